using System.Globalization;

namespace Aspire.Deployer.Plan;

/// <summary>The kinds of AWS resource a deploy makes, in the order they are created (each depends only on earlier kinds).</summary>
public enum ResourceKind
{
    /// <summary>An ECR repository holding a service's image.</summary>
    EcrRepository,

    /// <summary>A CloudWatch log group receiving a service's container logs.</summary>
    LogGroup,

    /// <summary>An IAM role (task execution role or task role).</summary>
    IamRole,

    /// <summary>An EC2 security group (the load balancer's or a service's).</summary>
    SecurityGroup,

    /// <summary>The Application Load Balancer shared by the app's services.</summary>
    LoadBalancer,

    /// <summary>A target group the load balancer forwards a service's traffic to.</summary>
    TargetGroup,

    /// <summary>A load balancer listener on a service's public port.</summary>
    Listener,

    /// <summary>The ECS cluster of the app and environment.</summary>
    Cluster,

    /// <summary>A service's Fargate task definition (a new revision per change).</summary>
    TaskDefinition,

    /// <summary>An ECS service.</summary>
    EcsService,

    /// <summary>Target-tracking autoscaling of a service's desired count.</summary>
    AutoScaling,
}

/// <summary>
/// What one AWS resource should look like (desired state) or does look like (current state, read back into the same
/// shape). References to other resources are by their deterministic names, never by ids or ARNs, so the desired
/// state can be computed without calling AWS and compared with the current one property by property.
/// </summary>
/// <param name="Name">The resource's name (for a listener: load balancer and port, for autoscaling: its resource id).</param>
/// <param name="Owner">The Aspire resource it is made for, or null when the app's services share it.</param>
/// <param name="Tags">Its tags (desired: the tags it must carry; current: the tags it carries).</param>
public abstract record ResourceSpec(string Name, string? Owner, IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>The kind of resource.</summary>
    public abstract ResourceKind Kind { get; }

    /// <summary>The settings that matter, in one short line, for the plan's "create" lines.</summary>
    public abstract string Describe();

    /// <summary>Formats an integer the same on every machine.</summary>
    private protected static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>An ECR repository.</summary>
/// <param name="Name">The repository name.</param>
/// <param name="Owner">The Aspire resource whose image it holds.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="ScanOnPush">Scan each pushed image for vulnerabilities.</param>
/// <param name="ImmutableTags">Refuse to overwrite an existing tag.</param>
public sealed record EcrRepositorySpec(string Name, string? Owner, IReadOnlyDictionary<string, string> Tags, bool ScanOnPush, bool ImmutableTags)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ResourceKind.EcrRepository;

    /// <inheritdoc />
    public override string Describe() => $"scan on push {(ScanOnPush ? "on" : "off")}, {(ImmutableTags ? "immutable" : "mutable")} tags";
}

/// <summary>A CloudWatch log group.</summary>
/// <param name="Name">The log group name.</param>
/// <param name="Owner">The Aspire resource whose logs it receives.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="RetentionDays">Days the logs are kept (null: forever).</param>
public sealed record LogGroupSpec(string Name, string? Owner, IReadOnlyDictionary<string, string> Tags, int? RetentionDays)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ResourceKind.LogGroup;

    /// <inheritdoc />
    public override string Describe() => $"retention {(RetentionDays is { } days ? Num(days) + " days" : "never expires")}";
}

/// <summary>An IAM role assumed by ECS tasks.</summary>
/// <param name="Name">The role name.</param>
/// <param name="Owner">The Aspire resource it is for.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="TrustedServices">The service principals its trust policy lets assume it.</param>
/// <param name="ManagedPolicyArns">The managed policies attached to it (exactly these).</param>
public sealed record IamRoleSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> TrustedServices,
    IReadOnlyList<string> ManagedPolicyArns)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ResourceKind.IamRole;

    /// <inheritdoc />
    public override string Describe() =>
        $"trusts {string.Join(", ", TrustedServices)}; " +
        (ManagedPolicyArns.Count == 0 ? "no policies" : "policies " + string.Join(", ", ManagedPolicyArns.Select(PolicyName)));

    /// <summary>The short name of a managed policy ARN (its last path segment).</summary>
    public static string PolicyName(string arn) => arn[(arn.LastIndexOf('/') + 1)..];
}

/// <summary>One inbound security group rule.</summary>
/// <param name="Protocol"><c>tcp</c>, or <c>-1</c> for every protocol.</param>
/// <param name="FromPort">First port.</param>
/// <param name="ToPort">Last port.</param>
/// <param name="Source">An IPv4 or IPv6 range (<c>0.0.0.0/0</c>, <c>::/0</c>) or <c>sg:</c> and a security group name (an id when the group is not the app's).</param>
public sealed record IngressRuleSpec(string Protocol, int FromPort, int ToPort, string Source)
{
    /// <summary>The prefix of a <see cref="Source"/> that names a security group.</summary>
    public const string GroupPrefix = "sg:";

    /// <summary>A TCP rule for one port.</summary>
    public static IngressRuleSpec Tcp(int port, string source) => new("tcp", port, port, source);

    /// <inheritdoc />
    public override string ToString()
    {
        var ports = FromPort == ToPort ? FromPort.ToString(CultureInfo.InvariantCulture) : $"{FromPort}-{ToPort}";
        var protocol = Protocol == "-1" ? "all traffic" : $"{Protocol} {ports}";
        var source = Source.StartsWith(GroupPrefix, StringComparison.Ordinal) ? $"security group {Source[GroupPrefix.Length..]}" : Source;
        return $"{protocol} from {source}";
    }
}

/// <summary>An EC2 security group.</summary>
/// <param name="Name">The group name (unique in its VPC).</param>
/// <param name="Owner">The Aspire resource it is for, or null for the load balancer's.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="VpcId">Its VPC.</param>
/// <param name="Description">Its description (AWS cannot change it).</param>
/// <param name="Ingress">Its inbound rules (exactly these).</param>
public sealed record SecurityGroupSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    string VpcId,
    string Description,
    IReadOnlyList<IngressRuleSpec> Ingress)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ResourceKind.SecurityGroup;

    /// <inheritdoc />
    public override string Describe() => $"in {VpcId}; inbound {string.Join("; ", Ingress)}";
}

/// <summary>An Application Load Balancer.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Owner">Null: the app's services share it.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="Scheme"><c>internet-facing</c> or <c>internal</c> (AWS cannot change it).</param>
/// <param name="Type"><c>application</c> (AWS cannot change it).</param>
/// <param name="IpAddressType"><c>ipv4</c> or <c>dualstack</c>.</param>
/// <param name="SubnetIds">Its subnets, one per availability zone.</param>
/// <param name="SecurityGroupNames">Its security groups, by name.</param>
/// <param name="Attributes">The attributes that must have these values (others are left alone).</param>
public sealed record LoadBalancerSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    string Scheme,
    string Type,
    string IpAddressType,
    IReadOnlyList<string> SubnetIds,
    IReadOnlyList<string> SecurityGroupNames,
    IReadOnlyDictionary<string, string> Attributes)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ResourceKind.LoadBalancer;

    /// <inheritdoc />
    public override string Describe() =>
        $"{Scheme} {Type}, {IpAddressType}, {SubnetIds.Count} subnets, security group {string.Join(", ", SecurityGroupNames)}, " +
        string.Join(", ", Attributes.Select(a => $"{a.Key}={a.Value}"));
}

/// <summary>How a target group probes its targets.</summary>
/// <param name="Protocol">HTTP.</param>
/// <param name="Path">The path probed.</param>
/// <param name="IntervalSeconds">Seconds between probes.</param>
/// <param name="TimeoutSeconds">Seconds a probe may take.</param>
/// <param name="HealthyThreshold">Successes before healthy.</param>
/// <param name="UnhealthyThreshold">Failures before unhealthy.</param>
/// <param name="Matcher">The HTTP codes that count as healthy.</param>
public sealed record HealthCheckSpec(string Protocol, string Path, int IntervalSeconds, int TimeoutSeconds, int HealthyThreshold, int UnhealthyThreshold, string Matcher);

/// <summary>A target group of IP targets.</summary>
/// <param name="Name">Its name (at most 32 characters).</param>
/// <param name="Owner">The Aspire resource whose tasks it holds.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="Protocol">The protocol to the targets (AWS cannot change it).</param>
/// <param name="Port">The container port (AWS cannot change it).</param>
/// <param name="VpcId">Its VPC (AWS cannot change it).</param>
/// <param name="TargetType"><c>ip</c> for Fargate tasks (AWS cannot change it).</param>
/// <param name="HealthCheck">Its health check.</param>
/// <param name="Attributes">The attributes that must have these values (others are left alone).</param>
public sealed record TargetGroupSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    string Protocol,
    int Port,
    string VpcId,
    string TargetType,
    HealthCheckSpec HealthCheck,
    IReadOnlyDictionary<string, string> Attributes)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ResourceKind.TargetGroup;

    /// <inheritdoc />
    public override string Describe() =>
        $"{Protocol} {Num(Port)}, {TargetType} targets in {VpcId}, health {HealthCheck.Protocol} {HealthCheck.Path} every {Num(HealthCheck.IntervalSeconds)} s " +
        $"(timeout {Num(HealthCheck.TimeoutSeconds)} s, healthy {Num(HealthCheck.HealthyThreshold)}, unhealthy {Num(HealthCheck.UnhealthyThreshold)}, matcher {HealthCheck.Matcher}), " +
        string.Join(", ", Attributes.Select(a => $"{a.Key}={a.Value}"));
}

/// <summary>A listener of the load balancer forwarding one public port to a service's target group.</summary>
/// <param name="Name">The load balancer name and the desired port, e.g. <c>shop-prod:4000</c>.</param>
/// <param name="Owner">The Aspire resource it forwards to.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="LoadBalancerName">The load balancer it belongs to.</param>
/// <param name="Port">The public port.</param>
/// <param name="Protocol"><c>HTTP</c>, or <c>HTTPS</c> with a certificate.</param>
/// <param name="CertificateArn">The ACM certificate, for HTTPS.</param>
/// <param name="SslPolicy">The TLS policy, for HTTPS.</param>
/// <param name="TargetGroupName">The target group its default action forwards to.</param>
public sealed record ListenerSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    string LoadBalancerName,
    int Port,
    string Protocol,
    string? CertificateArn,
    string? SslPolicy,
    string TargetGroupName)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ResourceKind.Listener;

    /// <inheritdoc />
    public override string Describe() =>
        $"{Protocol} {Num(Port)} -> target group {TargetGroupName}" + (CertificateArn is null ? "" : $", certificate {CertificateArn}, {SslPolicy}");
}

/// <summary>An ECS cluster.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Owner">Null: the app's services share it.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="ContainerInsights">The containerInsights setting (<c>enabled</c>; <c>enhanced</c> also satisfies it).</param>
public sealed record ClusterSpec(string Name, string? Owner, IReadOnlyDictionary<string, string> Tags, string ContainerInsights)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ResourceKind.Cluster;

    /// <inheritdoc />
    public override string Describe() => $"containerInsights {ContainerInsights}";
}

/// <summary>The one container of a service's task.</summary>
/// <param name="Name">The container name (the Aspire resource name).</param>
/// <param name="Image">The image reference; null in a desired state made before the image step (the image is then not compared).</param>
/// <param name="Port">The container port (TCP).</param>
/// <param name="Environment">Plain environment variables (PORT included).</param>
/// <param name="Essential">The task stops when this container stops.</param>
/// <param name="ReadonlyRootFilesystem">The root filesystem is read-only (Security Hub ECS.5).</param>
/// <param name="Privileged">Runs privileged (never, Security Hub ECS.4).</param>
/// <param name="StopTimeoutSeconds">Seconds between SIGTERM and SIGKILL.</param>
/// <param name="LogDriver">The log driver (<c>awslogs</c>).</param>
/// <param name="LogOptions">The log driver's options (group, region, stream prefix).</param>
public sealed record ContainerSpec(
    string Name,
    string? Image,
    int Port,
    IReadOnlyDictionary<string, string> Environment,
    bool Essential,
    bool ReadonlyRootFilesystem,
    bool Privileged,
    int StopTimeoutSeconds,
    string LogDriver,
    IReadOnlyDictionary<string, string> LogOptions);

/// <summary>A Fargate task definition family (its latest revision, or the one the service runs).</summary>
/// <param name="Name">The family.</param>
/// <param name="Owner">The Aspire resource it runs.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="Cpu">CPU units.</param>
/// <param name="MemoryMiB">Memory in MiB.</param>
/// <param name="CpuArchitecture"><c>X86_64</c> or <c>ARM64</c>.</param>
/// <param name="OperatingSystemFamily"><c>LINUX</c>.</param>
/// <param name="NetworkMode"><c>awsvpc</c>.</param>
/// <param name="RequiresCompatibilities"><c>FARGATE</c>.</param>
/// <param name="ExecutionRoleName">The task execution role, by name.</param>
/// <param name="TaskRoleName">The task role, by name.</param>
/// <param name="Container">Its one container.</param>
public sealed record TaskDefinitionSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    int Cpu,
    int MemoryMiB,
    string CpuArchitecture,
    string OperatingSystemFamily,
    string NetworkMode,
    IReadOnlyList<string> RequiresCompatibilities,
    string? ExecutionRoleName,
    string? TaskRoleName,
    ContainerSpec Container)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ResourceKind.TaskDefinition;

    /// <inheritdoc />
    public override string Describe() =>
        $"{string.Join("/", RequiresCompatibilities)} {NetworkMode}, {Num(Cpu)} CPU / {Num(MemoryMiB)} MiB, {CpuArchitecture}, container {Container.Name} " +
        $"port {Num(Container.Port)}, {Container.Environment.Count} env vars, read-only root {(Container.ReadonlyRootFilesystem ? "yes" : "no")}, " +
        $"stop timeout {Num(Container.StopTimeoutSeconds)} s, logs {Container.LogDriver}, image {Container.Image ?? "from the image step"}";
}

/// <summary>An ECS service on Fargate behind the load balancer.</summary>
/// <param name="Name">The service name.</param>
/// <param name="Owner">The Aspire resource it runs.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="ClusterName">Its cluster.</param>
/// <param name="TaskFamily">The task definition family it runs.</param>
/// <param name="LaunchType"><c>FARGATE</c> (changing it needs a new service).</param>
/// <param name="DesiredCount">Tasks to run (the starting count when autoscaling manages it).</param>
/// <param name="DesiredCountManagedByAutoScaling">True when autoscaling owns the desired count, so a running service's count is not compared.</param>
/// <param name="SubnetIds">The tasks' subnets.</param>
/// <param name="SecurityGroupNames">The tasks' security groups, by name.</param>
/// <param name="AssignPublicIp">Tasks get a public IP (public subnets without NAT need one to pull the image).</param>
/// <param name="TargetGroupName">The target group tasks are registered in.</param>
/// <param name="ContainerName">The container registered in it.</param>
/// <param name="ContainerPort">The port registered.</param>
/// <param name="HealthCheckGracePeriodSeconds">Seconds failing load balancer health checks are ignored after a task starts.</param>
/// <param name="CircuitBreaker">Deployment circuit breaker on.</param>
/// <param name="Rollback">The circuit breaker rolls back a failed deployment.</param>
/// <param name="MinimumHealthyPercent">Lower bound of running tasks during a deployment.</param>
/// <param name="MaximumPercent">Upper bound of running tasks during a deployment.</param>
public sealed record EcsServiceSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    string ClusterName,
    string TaskFamily,
    string LaunchType,
    int DesiredCount,
    bool DesiredCountManagedByAutoScaling,
    IReadOnlyList<string> SubnetIds,
    IReadOnlyList<string> SecurityGroupNames,
    bool AssignPublicIp,
    string? TargetGroupName,
    string? ContainerName,
    int? ContainerPort,
    int HealthCheckGracePeriodSeconds,
    bool CircuitBreaker,
    bool Rollback,
    int MinimumHealthyPercent,
    int MaximumPercent)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ResourceKind.EcsService;

    /// <inheritdoc />
    public override string Describe() =>
        $"{LaunchType} in cluster {ClusterName}, {Num(DesiredCount)} task(s){(DesiredCountManagedByAutoScaling ? " to start (autoscaled)" : "")}, " +
        $"{SubnetIds.Count} subnets, public IP {(AssignPublicIp ? "yes" : "no")}, target group {TargetGroupName} -> {ContainerName}:{ContainerPort}, " +
        $"grace {Num(HealthCheckGracePeriodSeconds)} s, circuit breaker {(CircuitBreaker ? "on" : "off")} with rollback {(Rollback ? "on" : "off")}, " +
        $"{Num(MinimumHealthyPercent)}/{Num(MaximumPercent)} %";
}

/// <summary>Target-tracking autoscaling of a service's desired count on average CPU.</summary>
/// <param name="Name">The scalable target's resource id, <c>service/&lt;cluster&gt;/&lt;service&gt;</c>.</param>
/// <param name="Owner">The Aspire resource it scales.</param>
/// <param name="Tags">Its tags (not compared).</param>
/// <param name="MinCount">Fewest tasks.</param>
/// <param name="MaxCount">Most tasks.</param>
/// <param name="PolicyName">The target-tracking policy's name.</param>
/// <param name="TargetCpuPercent">The average CPU kept; null when the policy is missing.</param>
public sealed record AutoScalingSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    int MinCount,
    int MaxCount,
    string PolicyName,
    double? TargetCpuPercent)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ResourceKind.AutoScaling;

    /// <inheritdoc />
    public override string Describe() =>
        $"{Num(MinCount)}-{Num(MaxCount)} tasks, policy {PolicyName} keeps CPU at {TargetCpuPercent?.ToString(CultureInfo.InvariantCulture) ?? "?"} %";
}

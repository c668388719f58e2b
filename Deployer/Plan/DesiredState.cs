using Aspire.Deployer.Model;
using Aspire.ServiceDefaults;

namespace Aspire.Deployer.Plan;

/// <summary>The account-independent facts the desired state needs besides the deployment and the network.</summary>
/// <param name="Region">The region, e.g. <c>us-east-1</c> (log configuration).</param>
public sealed record AwsTarget(string Region)
{
    /// <summary>The AWS partition of the region: <c>aws</c>, <c>aws-cn</c> or <c>aws-us-gov</c> (managed policy ARNs).</summary>
    public string Partition => Region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
        : Region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov"
        : "aws";
}

/// <summary>What AWS should look like after a deploy: every resource, in the order it has to be created.</summary>
/// <param name="Deployment">The deployment it was made from.</param>
/// <param name="Target">The region.</param>
/// <param name="Network">The checked network.</param>
/// <param name="Resources">Every resource, dependencies first.</param>
public sealed record DesiredState(DeploymentDescription Deployment, AwsTarget Target, ResolvedNetwork Network, IReadOnlyList<ResourceSpec> Resources)
{
    /// <summary>The resources of a kind, in order.</summary>
    /// <typeparam name="T">The spec type.</typeparam>
    public IEnumerable<T> OfType<T>() where T : ResourceSpec => Resources.OfType<T>();
}

/// <summary>
/// The defaults ARCHITECTURE.md sets for what a deploy makes (every one a named value; the service contract's values
/// come from <see cref="ServiceContract"/>).
/// </summary>
public static class EcsDefaults
{
    /// <summary>Seconds the load balancer keeps sending in-flight requests to a deregistering target.</summary>
    public const int DeregistrationDelaySeconds = 30;

    /// <summary>Percent of tasks that stay running during a deployment (never below the desired count).</summary>
    public const int MinimumHealthyPercent = 100;

    /// <summary>Percent of tasks that may run during a deployment (a full second set).</summary>
    public const int MaximumPercent = 200;

    /// <summary>The load balancer attribute that drops headers with invalid names (Security Hub ELB.4).</summary>
    public const string DropInvalidHeaderFieldsAttribute = "routing.http.drop_invalid_header_fields.enabled";

    /// <summary>The target group attribute for <see cref="DeregistrationDelaySeconds"/>.</summary>
    public const string DeregistrationDelayAttribute = "deregistration_delay.timeout_seconds";

    /// <summary>The TLS policy of an HTTPS listener (TLS 1.3 and 1.2 only).</summary>
    public const string SslPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";

    /// <summary>The service principal ECS tasks assume roles as.</summary>
    public const string TasksPrincipal = "ecs-tasks.amazonaws.com";

    /// <summary>The managed policy of the task execution role (pull from ECR, write to CloudWatch Logs).</summary>
    public const string ExecutionPolicyName = "service-role/AmazonECSTaskExecutionRolePolicy";

    /// <summary>The value of the cluster's containerInsights setting (Security Hub ECS.12).</summary>
    public const string ContainerInsights = "enabled";
}

/// <summary>Turns a validated deployment and its network into the desired state (pure: no AWS calls).</summary>
public static class DesiredStateBuilder
{
    /// <summary>Builds the desired state.</summary>
    /// <param name="deployment">The validated deployment.</param>
    /// <param name="network">The checked network.</param>
    /// <param name="target">The region.</param>
    /// <param name="images">The image reference per Aspire resource, once the image step has pushed it; null or missing: not compared.</param>
    /// <returns>The desired state, dependencies first.</returns>
    public static DesiredState Build(DeploymentDescription deployment, ResolvedNetwork network, AwsTarget target, IReadOnlyDictionary<string, string>? images = null)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(target);

        var services = deployment.Services;
        var resources = new List<ResourceSpec>();
        if (services.Count == 0)
        {
            return new DesiredState(deployment, target, network, resources);
        }

        var first = services[0].Names;
        var shared = SharedTags(first);
        var albGroup = first.LoadBalancerSecurityGroup;

        foreach (var service in services)
        {
            var names = service.Names;
            resources.Add(new EcrRepositorySpec(names.Repository, names.Resource, names.Tags, ScanOnPush: true, ImmutableTags: true));
        }

        foreach (var service in services)
        {
            var names = service.Names;
            resources.Add(new LogGroupSpec(names.LogGroup, names.Resource, names.Tags, service.Options.LogRetentionDays));
        }

        foreach (var service in services)
        {
            var names = service.Names;
            resources.Add(new IamRoleSpec(names.ExecutionRole(target.Region), names.Resource, names.Tags, [EcsDefaults.TasksPrincipal],
                [$"arn:{target.Partition}:iam::aws:policy/{EcsDefaults.ExecutionPolicyName}"]));
            resources.Add(new IamRoleSpec(names.TaskRole(target.Region), names.Resource, names.Tags, [EcsDefaults.TasksPrincipal], []));
        }

        resources.Add(new SecurityGroupSpec(albGroup, null, shared, network.VpcId,
            $"Load balancer of {deployment.App} {deployment.Environment}: public listener ports",
            [.. services.SelectMany(s => new[] { IngressRuleSpec.Tcp(s.ListenerPort, "0.0.0.0/0"), IngressRuleSpec.Tcp(s.ListenerPort, "::/0") })]));
        foreach (var service in services)
        {
            var names = service.Names;
            resources.Add(new SecurityGroupSpec(names.ServiceSecurityGroup, names.Resource, names.Tags, network.VpcId,
                $"Tasks of {names.Resource} in {deployment.App} {deployment.Environment}: container port from the load balancer only",
                [IngressRuleSpec.Tcp(service.ContainerPort, IngressRuleSpec.GroupPrefix + albGroup)]));
        }

        resources.Add(new LoadBalancerSpec(first.LoadBalancer, null, shared, "internet-facing", "application", "ipv4",
            network.SubnetIds, [albGroup], new Dictionary<string, string> { [EcsDefaults.DropInvalidHeaderFieldsAttribute] = "true" }));

        foreach (var service in services)
        {
            var names = service.Names;
            resources.Add(new TargetGroupSpec(names.TargetGroup, names.Resource, names.Tags, "HTTP", service.ContainerPort, network.VpcId, "ip",
                new HealthCheckSpec("HTTP", service.HealthCheckPath, ServiceContract.HealthCheck.IntervalSeconds, ServiceContract.HealthCheck.TimeoutSeconds,
                    ServiceContract.HealthCheck.HealthyThreshold, ServiceContract.HealthCheck.UnhealthyThreshold, ServiceContract.HealthCheck.SuccessCodes),
                new Dictionary<string, string> { [EcsDefaults.DeregistrationDelayAttribute] = EcsDefaults.DeregistrationDelaySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }

        foreach (var service in services)
        {
            var names = service.Names;
            var https = service.Options.CertificateArn is not null;
            resources.Add(new ListenerSpec(ListenerName(names.LoadBalancer, service.ListenerPort), names.Resource, names.Tags, names.LoadBalancer,
                service.ListenerPort, https ? "HTTPS" : "HTTP", service.Options.CertificateArn, https ? EcsDefaults.SslPolicy : null, names.TargetGroup));
        }

        resources.Add(new ClusterSpec(first.Cluster, null, shared, EcsDefaults.ContainerInsights));

        foreach (var service in services)
        {
            var names = service.Names;
            resources.Add(new TaskDefinitionSpec(names.TaskFamily, names.Resource, names.Tags, service.Size.Cpu, service.Size.MemoryMiB,
                service.Options.Architecture == CpuArchitecture.ARM64 ? "ARM64" : "X86_64", "LINUX", "awsvpc", ["FARGATE"],
                names.ExecutionRole(target.Region), names.TaskRole(target.Region),
                new ContainerSpec(names.Resource, images?.GetValueOrDefault(names.Resource), service.ContainerPort,
                    new SortedDictionary<string, string>(service.Environment.ToDictionary(), StringComparer.Ordinal),
                    Essential: true, ReadonlyRootFilesystem: true, Privileged: false, (int)ServiceContract.StopTimeout.TotalSeconds, "awslogs",
                    new SortedDictionary<string, string>(StringComparer.Ordinal)
                    {
                        ["awslogs-group"] = names.LogGroup,
                        ["awslogs-region"] = target.Region,
                        ["awslogs-stream-prefix"] = names.Resource,
                    })));
        }

        foreach (var service in services)
        {
            var names = service.Names;
            var options = service.Options;
            resources.Add(new EcsServiceSpec(names.Service, names.Resource, names.Tags, names.Cluster, names.TaskFamily, "FARGATE",
                options.AutoScaling is { } scaling ? Math.Clamp(options.DesiredCount, scaling.MinCount, scaling.MaxCount) : options.DesiredCount,
                options.AutoScaling is not null, network.SubnetIds, [names.ServiceSecurityGroup], network.AssignPublicIp,
                names.TargetGroup, names.Resource, service.ContainerPort, options.HealthCheckGracePeriodSeconds,
                CircuitBreaker: true, Rollback: true, EcsDefaults.MinimumHealthyPercent, EcsDefaults.MaximumPercent));
        }

        foreach (var service in services.Where(s => s.Options.AutoScaling is not null))
        {
            var names = service.Names;
            var scaling = service.Options.AutoScaling!;
            resources.Add(new AutoScalingSpec(ScalableTargetId(names), names.Resource, new Dictionary<string, string>(),
                scaling.MinCount, scaling.MaxCount, ScalingPolicyName(names), scaling.TargetCpuPercent));
        }

        return new DesiredState(deployment, target, network, resources);
    }

    /// <summary>The name a listener is planned under: the load balancer and the desired port.</summary>
    public static string ListenerName(string loadBalancer, int port) => $"{loadBalancer}:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The Application Auto Scaling resource id of a service.</summary>
    public static string ScalableTargetId(AwsNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return $"service/{names.Cluster}/{names.Service}";
    }

    /// <summary>The name of a service's CPU target-tracking policy.</summary>
    public static string ScalingPolicyName(AwsNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return $"{names.Service}-cpu";
    }

    /// <summary>The tags of resources the app's services share: app, environment and managed-by, no resource.</summary>
    public static IReadOnlyDictionary<string, string> SharedTags(AwsNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return names.Tags.Where(t => t.Key != AwsNames.TagKeys.Resource).ToDictionary(t => t.Key, t => t.Value);
    }
}

using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Ecs = Aspire.Deployer.Aws.Ecs;

namespace Aspire.Deployer.Resources;

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
/// <param name="HealthCheckGracePeriodSeconds">Seconds failing load balancer health checks are ignored after a task starts; null: what the
/// service has is kept (the image was not measured in this run, see <see cref="Model.RolloutTimings"/>).</param>
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
    int? HealthCheckGracePeriodSeconds,
    bool CircuitBreaker,
    bool Rollback,
    int MinimumHealthyPercent,
    int MaximumPercent)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <summary>How the service takes part in ECS Service Connect; null when it neither calls nor is called by another service.</summary>
    public ServiceConnectSpec? ServiceConnect { get; init; }

    /// <summary>The secrets its tasks read at start: a new version of one rolls the service.</summary>
    public IReadOnlyList<string> SecretNames { get; init; } = [];

    /// <inheritdoc />
    public override ResourceKind Kind => EcsServiceKind.Instance;

    /// <inheritdoc />
    public override string Describe() =>
        $"{LaunchType} in cluster {ClusterName}, {Num(DesiredCount)} task(s){(DesiredCountManagedByAutoScaling ? " to start (autoscaled)" : "")}, " +
        $"{SubnetIds.Count} subnets, public IP {(AssignPublicIp ? "yes" : "no")}, " +
        (TargetGroupName is null ? "no load balancer, " : $"target group {TargetGroupName} -> {ContainerName}:{ContainerPort}, grace {(HealthCheckGracePeriodSeconds is { } grace ? Num(grace) + " s" : "as it is")}, ") +
        (ServiceConnect is null ? "" : $"Service Connect {ServiceConnect}, ") +
        $"circuit breaker {(CircuitBreaker ? "on" : "off")} with rollback {(Rollback ? "on" : "off")}, " +
        $"{Num(MinimumHealthyPercent)}/{Num(MaximumPercent)} %";
}

/// <summary>One endpoint a service publishes over Service Connect.</summary>
/// <param name="PortName">The task definition's port mapping name.</param>
/// <param name="DiscoveryName">Its Cloud Map service name (unique in the namespace).</param>
/// <param name="DnsName">The name other tasks reach it by (its client alias).</param>
/// <param name="Port">The client alias's port (the container port, so Aspire's variables hold the same address).</param>
public sealed record ServiceConnectEntry(string PortName, string DiscoveryName, string DnsName, int Port)
{
    /// <inheritdoc />
    public override string ToString() => $"{DnsName}:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)} ({PortName} as {DiscoveryName})";
}

/// <summary>A service's ECS Service Connect settings: its namespace and the endpoints it publishes (none for a client only).</summary>
/// <param name="NamespaceName">The Cloud Map namespace, by name.</param>
/// <param name="Services">The endpoints it publishes.</param>
public sealed record ServiceConnectSpec(string NamespaceName, IReadOnlyList<ServiceConnectEntry> Services)
{
    /// <summary>The settings in one line (what is compared).</summary>
    public override string ToString() =>
        $"in {NamespaceName}" + (Services.Count == 0 ? " (client only)" : ", publishes " + string.Join(", ", Services.Select(e => e.ToString())));

    /// <summary>The settings of a service of the deployment; null when it takes no part.</summary>
    /// <param name="service">The service.</param>
    /// <param name="deployment">The deployment (who calls whom).</param>
    public static ServiceConnectSpec? Of(Model.ServiceDescription service, Model.DeploymentDescription deployment)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(deployment);
        if (!deployment.UsesServiceConnect(service))
        {
            return null;
        }

        var names = service.Names;
        var published = deployment.IsCalled(service) ? service.Ports : [];
        return new ServiceConnectSpec(names.Namespace, [.. published.Select(p => new ServiceConnectEntry(p.Name,
            published.Count == 1 ? names.ServiceConnectName : $"{names.ServiceConnectName}-{p.Name}", names.ServiceConnectName, p.ContainerPort))]);
    }
}

/// <summary>The app's services in one cluster and the names of the others there.</summary>
/// <param name="Ours">The app's services (ACTIVE or DRAINING), with what ECS reports about them.</param>
/// <param name="Others">Services in the cluster that are not the app's.</param>
public sealed record ClusterServices(IReadOnlyList<(FoundResource Resource, Ecs.Service Service)> Ours, IReadOnlyList<string> Others);

/// <summary>
/// ECS services on Fargate, one per Aspire resource, behind its target group when it has an external endpoint, in
/// ECS Service Connect when it calls or is called by another service: rolling deployments with the circuit breaker
/// and rollback, 100/200 percent, a health-check grace period, public IP only when the subnets need it; a new
/// version of a secret its tasks read rolls it.
/// Destroy scales each to 0, deletes it and waits until it is INACTIVE (all services drain at once).
/// </summary>
public sealed partial class EcsServiceKind : ResourceKind<EcsServiceSpec>
{
    /// <summary>Percent of tasks that stay running during a deployment (never below the desired count).</summary>
    public const int MinimumHealthyPercent = 100;

    /// <summary>Percent of tasks that may run during a deployment (a full second set).</summary>
    public const int MaximumPercent = 200;

    private const int DescribeBatch = 10;

    private static readonly string[] ServiceGone = ["INACTIVE", "DRAINING"];

    /// <summary>The kind.</summary>
    public static EcsServiceKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "EcsService";

    /// <inheritdoc />
    public override string Label => "ECS service";

    /// <inheritdoc />
    protected override IEnumerable<EcsServiceSpec> DesiredSpecs(DesiredContext context)
    {
        foreach (var service in context.Services)
        {
            var (names, options) = (service.Names, service.Options);
            var count = options.AutoScaling is { } scaling ? Math.Clamp(options.DesiredCount, scaling.MinCount, scaling.MaxCount) : options.DesiredCount;
            var balanced = service.IsLoadBalanced;
            yield return new EcsServiceSpec(names.Service, names.Resource, names.Tags, names.Cluster, names.TaskFamily, "FARGATE", count,
                options.AutoScaling is not null, context.Network.TaskSubnetIds, [names.ServiceSecurityGroup], context.Network.AssignPublicIp,
                balanced ? TargetGroupKind.NameOf(service, context.Network.VpcId) : null, balanced ? names.Resource : null, balanced ? service.ContainerPort : null,
                options.HealthCheckGracePeriodSeconds, CircuitBreaker: true, Rollback: true, MinimumHealthyPercent, MaximumPercent)
            {
                ServiceConnect = ServiceConnectSpec.Of(service, context.Deployment),
                SecretNames = [.. service.Secrets.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            };
        }
    }

    /// <summary>What ECS reports of the desired services that exist (not INACTIVE or DRAINING), asked once per read.</summary>
    /// <param name="context">The read context (the cluster must have been read).</param>
    public static Task<IReadOnlyList<Ecs.Service>> DescribeDesiredAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Shared.GetAsync<IReadOnlyList<Ecs.Service>>("ecs:desired-services", async () =>
        {
            var result = new List<Ecs.Service>();
            foreach (var cluster in context.DesiredOf<EcsServiceSpec>().GroupBy(s => s.ClusterName))
            {
                if (context.IdOf(ClusterKind.Instance, cluster.Key) is null)
                {
                    continue; // no cluster, no services
                }

                foreach (var batch in cluster.Chunk(DescribeBatch))
                {
                    try
                    {
                        var response = await context.Session.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest
                        {
                            Cluster = cluster.Key,
                            Services = [.. batch.Select(s => s.Name)],
                            Include = [Ecs.ServiceField.Tags],
                        }, context.CancellationToken).ConfigureAwait(false);
                        // Missing services come back under failures (MISSING); deleted ones linger as INACTIVE or DRAINING.
                        result.AddRange((response.Services ?? []).Where(s => s.ServiceArn is not null && !ServiceGone.Contains(s.Status)));
                    }
                    catch (AwsApiException e) when (e.ErrorCode == "ClusterNotFoundException")
                    {
                        break; // deleted since it was read
                    }
                }
            }

            return result;
        });
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = await DescribeDesiredAsync(context).ConfigureAwait(false);
        return [.. context.DesiredOf<EcsServiceSpec>()
            .Select(spec => (Spec: spec, Service: services.FirstOrDefault(s => s.ServiceName == spec.Name && s.ClusterArn?.EndsWith("/" + spec.ClusterName, StringComparison.Ordinal) != false)))
            .Where(x => x.Service is not null)
            .Select(x => Observed(x.Spec, x.Service!, context))];
    }

    private static ObservedResource Observed(EcsServiceSpec spec, Ecs.Service service, ReadContext context)
    {
        var vpc = service.NetworkConfiguration?.AwsvpcConfiguration;
        var balancer = service.LoadBalancers?.FirstOrDefault();
        // ECS always reports the deployment configuration (and the grace period of a load-balanced service); an
        // emulator may not (moto 5.2 drops both). Unreported values are not compared, and the plan says so.
        var unreported = new List<string>();
        if (service.HealthCheckGracePeriodSeconds is null)
        {
            unreported.Add("health check grace period");
        }

        if (service.DeploymentConfiguration is null)
        {
            unreported.Add("deployment configuration (circuit breaker, rollback, minimum and maximum percent)");
            // The same emulator drops Service Connect too (ECS reports it on the primary deployment).
            if (spec.ServiceConnect is not null)
            {
                unreported.Add("Service Connect");
            }
        }

        var deployment = service.DeploymentConfiguration;
        var current = spec with
        {
            Tags = ClusterKind.EcsTags(service.Tags),
            TaskFamily = Arn.FamilyOf(service.TaskDefinition) ?? "",
            LaunchType = service.LaunchType ?? (service.CapacityProviderStrategy is { Count: > 0 } ? "capacity provider strategy" : ""),
            DesiredCount = service.DesiredCount ?? 0,
            SubnetIds = vpc?.Subnets ?? [],
            SecurityGroupNames = [.. (vpc?.SecurityGroups ?? []).Select(id => context.NameOf(SecurityGroupKind.Instance, id))],
            AssignPublicIp = vpc?.AssignPublicIp == Ecs.AssignPublicIp.Enabled,
            TargetGroupName = balancer?.TargetGroupArn is { } tg ? context.NameOf(TargetGroupKind.Instance, tg) : null,
            ContainerName = balancer?.ContainerName,
            ContainerPort = balancer?.ContainerPort,
            HealthCheckGracePeriodSeconds = service.HealthCheckGracePeriodSeconds ?? spec.HealthCheckGracePeriodSeconds,
            CircuitBreaker = deployment is null ? spec.CircuitBreaker : deployment.DeploymentCircuitBreaker?.Enable ?? false,
            Rollback = deployment is null ? spec.Rollback : deployment.DeploymentCircuitBreaker?.Rollback ?? false,
            MinimumHealthyPercent = deployment is null ? spec.MinimumHealthyPercent : deployment.MinimumHealthyPercent ?? 0,
            MaximumPercent = deployment is null ? spec.MaximumPercent : deployment.MaximumPercent ?? 0,
            ServiceConnect = deployment is null ? spec.ServiceConnect : ObservedServiceConnect(service, context),
        };
        return new ObservedResource(current, service.ServiceArn!, Unreported: unreported.Count > 0 ? unreported : null);
    }

    // ECS reports Service Connect on the deployment it belongs to; the primary one is what the service runs.
    private static ServiceConnectSpec? ObservedServiceConnect(Ecs.Service service, ReadContext context)
    {
        var configuration = (service.Deployments ?? []).FirstOrDefault(d => d.Status == "PRIMARY")?.ServiceConnectConfiguration;
        return configuration is not { Enabled: true }
            ? null
            : new ServiceConnectSpec(configuration.Namespace is { } ns ? context.NameOf(CloudMapNamespaceKind.Instance, ns) : "",
                [.. (configuration.Services ?? []).Select(e => new ServiceConnectEntry(e.PortName, e.DiscoveryName ?? e.PortName,
                    e.ClientAliases?.FirstOrDefault()?.DnsName ?? "", e.ClientAliases?.FirstOrDefault()?.Port ?? 0))]);
    }

    /// <inheritdoc />
    protected override void Compare(EcsServiceSpec desired, EcsServiceSpec current, Diff diff)
    {
        diff.Compare("cluster", current.ClusterName, desired.ClusterName);
        diff.Compare("launch type", current.LaunchType, desired.LaunchType, "AWS cannot change a service's launch type");
        diff.Compare("task definition family", current.TaskFamily, desired.TaskFamily);
        if (desired.DesiredCountManagedByAutoScaling)
        {
            diff.Note($"desired count {current.DesiredCount.ToString(System.Globalization.CultureInfo.InvariantCulture)} is left to autoscaling");
        }
        else
        {
            diff.Compare("desired count", current.DesiredCount, desired.DesiredCount);
        }

        diff.Set("subnets", current.SubnetIds, desired.SubnetIds);
        diff.Set("security groups", current.SecurityGroupNames, desired.SecurityGroupNames);
        diff.Compare("public IP", current.AssignPublicIp, desired.AssignPublicIp);
        diff.Compare("target group", current.TargetGroupName, desired.TargetGroupName);
        diff.Compare("load balanced container", current.ContainerName, desired.ContainerName);
        diff.Compare("load balanced port", current.ContainerPort, desired.ContainerPort);
        if (desired.HealthCheckGracePeriodSeconds is not null)
        {
            diff.Compare("health check grace period", current.HealthCheckGracePeriodSeconds, desired.HealthCheckGracePeriodSeconds);
        }
        diff.Compare("circuit breaker", current.CircuitBreaker, desired.CircuitBreaker);
        diff.Compare("rollback", current.Rollback, desired.Rollback);
        diff.Compare("minimum healthy %", current.MinimumHealthyPercent, desired.MinimumHealthyPercent);
        diff.Compare("maximum %", current.MaximumPercent, desired.MaximumPercent);
        diff.Compare("Service Connect", current.ServiceConnect?.ToString(), desired.ServiceConnect?.ToString());
    }

    /// <inheritdoc />
    protected override PlannedChange Cascade(PlannedChange change, EcsServiceSpec desired, PlanContext context)
    {
        foreach (var name in desired.SecurityGroupNames.Where(g => context.ChangeOf(SecurityGroupKind.Instance, g)?.Action == ChangeAction.Replace))
        {
            change = change.Touched("security group " + name, "current", "replaced");
        }

        if (desired.TargetGroupName is { } group && context.ChangeOf(TargetGroupKind.Instance, group)?.Action == ChangeAction.Replace)
        {
            change = change.Touched("target group", "current", "replaced");
        }

        // Tasks read their secrets at start: a new version of one rolls the service (ECS sees no other change).
        foreach (var secret in desired.SecretNames.Where(s => SecretKind.RollsTasks(context.ChangeOf(SecretKind.Instance, s))))
        {
            change = change.Touched("secret " + secret, "current version", "new version");
        }

        var definition = context.ChangeOf(TaskDefinitionKind.Instance, desired.TaskFamily);
        return definition?.Action switch
        {
            ChangeAction.Create or ChangeAction.Update =>
                change.Touched("task definition", definition.CurrentId is null ? "(none)" : Arn.LastSegment(definition.CurrentId), "new revision"),
            ChangeAction.Unchanged when change.Action is ChangeAction.Unchanged or ChangeAction.Update =>
                change.WithNote("a new deployment rolls out if the image changed"),
            _ => change,
        };
    }
}

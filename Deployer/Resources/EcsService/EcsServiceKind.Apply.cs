using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Ecs = Aspire.Deployer.Aws.Ecs;

namespace Aspire.Deployer.Resources;

/// <summary>ECS services: making, updating, finding and removing them.</summary>
public sealed partial class EcsServiceKind
{
    /// <inheritdoc />
    protected override async Task CreateAsync(Change<EcsServiceSpec> change, ApplyContext context)
    {
        var spec = change.Desired;
        try
        {
            await ServiceLinkedRoleKind.RetryUntilAssumableAsync($"create ECS service {spec.Name}", () => CreateServiceAsync(spec, context), context).ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == "InvalidParameterException" && e.AwsMessage.Contains("idempotent", StringComparison.OrdinalIgnoreCase))
        {
            // An ACTIVE service of that name exists (an interrupted run made it): update it instead, state unknown.
            context.Info($"  service {spec.Name} already exists; updating it instead");
            await UpdateAsync(change, context).ConfigureAwait(false);
        }
    }

    private async Task CreateServiceAsync(EcsServiceSpec spec, ApplyContext context)
    {
        var (ecs, ct) = (context.Session.Ecs, context.CancellationToken);
        await IamRoleKind.WaitUntilUsableAsync(context, RolesOf(spec, context)).ConfigureAwait(false);
        var created = await ecs.CreateServiceAsync(new Ecs.CreateServiceRequest
        {
            Cluster = spec.ClusterName,
            ServiceName = spec.Name,
            TaskDefinition = context.Id(TaskDefinitionKind.Instance, spec.TaskFamily),
            LaunchType = spec.LaunchType,
            DesiredCount = spec.DesiredCount,
            NetworkConfiguration = Network(spec, context),
            LoadBalancers = LoadBalancers(spec, context),
            HealthCheckGracePeriodSeconds = spec.TargetGroupName is null ? null : spec.HealthCheckGracePeriodSeconds ?? Model.RolloutTimings.FallbackGracePeriodSeconds,
            DeploymentConfiguration = Deployment(spec),
            ServiceConnectConfiguration = spec.ServiceConnect is null ? null : ServiceConnect(spec.ServiceConnect, context),
            PropagateTags = Ecs.PropagateTags.Service,
            EnableECSManagedTags = true,
            Tags = ClusterKind.AwsTags(spec.Tags),
        }, ct).ConfigureAwait(false);
        Made(context, spec.Name, created.Service?.ServiceArn ?? spec.Name);
    }

    /// <summary>
    /// Sends only what differs: taskDefinition, networkConfiguration and loadBalancers each start a new deployment
    /// (every task replaced), so a count, grace-period or tag change must not carry them. With no current state (a
    /// service an interrupted run made) everything is sent.
    /// </summary>
    /// <param name="change">The change.</param>
    /// <param name="context">Ids, session, progress.</param>
    protected override async Task UpdateAsync(Change<EcsServiceSpec> change, ApplyContext context)
    {
        var (spec, ecs, ct) = (change.Desired, context.Session.Ecs, context.CancellationToken);
        var request = UpdateRequest(spec, change.Current, context);
        if (request is not null)
        {
            await IamRoleKind.WaitUntilUsableAsync(context, RolesOf(spec, context)).ConfigureAwait(false);
            await ecs.UpdateServiceAsync(request, ct).ConfigureAwait(false);
        }

        if (change.TagsDiffer)
        {
            var arn = context.TryId(this, spec.Name);
            if (arn is null || !arn.StartsWith("arn:", StringComparison.Ordinal))
            {
                var described = await ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = spec.ClusterName, Services = [spec.Name] }, ct).ConfigureAwait(false);
                arn = described.Services?.FirstOrDefault()?.ServiceArn ?? throw new InvalidOperationException($"ECS service {spec.Name} was not found to tag.");
            }

            await ecs.TagResourceAsync(new Ecs.TagResourceRequest { ResourceArn = arn, Tags = ClusterKind.AwsTags(spec.Tags) }, ct).ConfigureAwait(false);
        }
    }

    // The UpdateService request with only what differs from the current state; null when nothing but tags differs.
    private static Ecs.UpdateServiceRequest? UpdateRequest(EcsServiceSpec spec, EcsServiceSpec? current, ApplyContext context)
    {
        var all = current is null;
        var taskDefinition = context.Id(TaskDefinitionKind.Instance, spec.TaskFamily);
        // The task definition observed is the revision the service runs: another id now means a new revision.
        var newRevision = all || current!.TaskFamily != spec.TaskFamily || context.Observed(TaskDefinitionKind.Instance, spec.TaskFamily)?.Id != taskDefinition;
        var network = all || !SameSet(current!.SubnetIds, spec.SubnetIds) || !SameSet(current.SecurityGroupNames, spec.SecurityGroupNames)
            || current.AssignPublicIp != spec.AssignPublicIp || spec.SecurityGroupNames.Any(g => Remade(SecurityGroupKind.Instance, g, context));
        var balancing = all || current!.TargetGroupName != spec.TargetGroupName || current.ContainerName != spec.ContainerName || current.ContainerPort != spec.ContainerPort
            || (spec.TargetGroupName is { } group && Remade(TargetGroupKind.Instance, group, context));
        // Autoscaling owns the count of a running service; a service of unknown state starts at the desired count.
        var count = all || (!spec.DesiredCountManagedByAutoScaling && current!.DesiredCount != spec.DesiredCount);
        var grace = spec.TargetGroupName is not null && spec.HealthCheckGracePeriodSeconds is not null && (all || current!.HealthCheckGracePeriodSeconds != spec.HealthCheckGracePeriodSeconds);
        var deployment = all || current!.CircuitBreaker != spec.CircuitBreaker || current.Rollback != spec.Rollback
            || current.MinimumHealthyPercent != spec.MinimumHealthyPercent || current.MaximumPercent != spec.MaximumPercent;
        var serviceConnect = all ? spec.ServiceConnect is not null : current!.ServiceConnect?.ToString() != spec.ServiceConnect?.ToString();
        // A new version of a secret the tasks read: nothing else differs for ECS, so the new deployment is forced.
        var secretRoll = !newRevision && spec.SecretNames.Any(s => SecretKind.RollsTasks(context.Plan.Changes.FirstOrDefault(c => c.Kind == SecretKind.Instance && c.Name == s)));
        if (!(newRevision || network || balancing || count || grace || deployment || serviceConnect || secretRoll))
        {
            return null;
        }

        return new Ecs.UpdateServiceRequest
        {
            Cluster = spec.ClusterName,
            Service = spec.Name,
            TaskDefinition = newRevision ? taskDefinition : null,
            DesiredCount = count ? spec.DesiredCount : null,
            NetworkConfiguration = network ? Network(spec, context) : null,
            LoadBalancers = balancing ? LoadBalancers(spec, context) : null,
            HealthCheckGracePeriodSeconds = grace ? spec.HealthCheckGracePeriodSeconds : null,
            DeploymentConfiguration = deployment ? Deployment(spec) : null,
            ServiceConnectConfiguration = !serviceConnect ? null
                : spec.ServiceConnect is null ? new Ecs.ServiceConnectConfiguration { Enabled = false } : ServiceConnect(spec.ServiceConnect, context),
            ForceNewDeployment = secretRoll ? true : null,
            PropagateTags = all ? Ecs.PropagateTags.Service : null,
        };
    }

    // The namespace by ARN; each published endpoint with its Cloud Map name and the client alias other tasks use.
    private static Ecs.ServiceConnectConfiguration ServiceConnect(ServiceConnectSpec spec, ApplyContext context) => new()
    {
        Enabled = true,
        Namespace = context.Id(CloudMapNamespaceKind.Instance, spec.NamespaceName),
        Services = spec.Services.Count == 0 ? null : [.. spec.Services.Select(e => new Ecs.ServiceConnectService
        {
            PortName = e.PortName,
            DiscoveryName = e.DiscoveryName,
            ClientAliases = [new Ecs.ServiceConnectClientAlias { Port = e.Port, DnsName = e.DnsName }],
        })],
    };

    private static bool SameSet(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.Order(StringComparer.Ordinal).SequenceEqual(b.Order(StringComparer.Ordinal), StringComparer.Ordinal);

    // A resource the service refers to that was replaced in this run: same name, another id.
    private static bool Remade(ResourceKind kind, string name, ApplyContext context) =>
        context.Observed(kind, name) is { } before && before.Id != context.TryId(kind, name);

    // The roles the service's tasks run with: those of its task definition.
    private static IEnumerable<string?> RolesOf(EcsServiceSpec spec, ApplyContext context) =>
        context.Desired.OfType<TaskDefinitionSpec>().Where(t => t.Name == spec.TaskFamily).SelectMany(t => new[] { t.ExecutionRoleName, t.TaskRoleName });

    private static Ecs.NetworkConfiguration Network(EcsServiceSpec spec, ApplyContext context) => new()
    {
        AwsvpcConfiguration = new Ecs.AwsVpcConfiguration
        {
            Subnets = spec.SubnetIds,
            SecurityGroups = [.. spec.SecurityGroupNames.Select(n => context.Id(SecurityGroupKind.Instance, n))],
            AssignPublicIp = spec.AssignPublicIp ? Ecs.AssignPublicIp.Enabled : Ecs.AssignPublicIp.Disabled,
        },
    };

    private static List<Ecs.LoadBalancer> LoadBalancers(EcsServiceSpec spec, ApplyContext context) => spec.TargetGroupName is null
        ? []
        : [new Ecs.LoadBalancer { TargetGroupArn = context.Id(TargetGroupKind.Instance, spec.TargetGroupName), ContainerName = spec.ContainerName, ContainerPort = spec.ContainerPort }];

    private static Ecs.DeploymentConfiguration Deployment(EcsServiceSpec spec) => new()
    {
        DeploymentCircuitBreaker = new Ecs.DeploymentCircuitBreaker { Enable = spec.CircuitBreaker, Rollback = spec.Rollback },
        MinimumHealthyPercent = spec.MinimumHealthyPercent,
        MaximumPercent = spec.MaximumPercent,
    };

    /// <summary>The app's services in a cluster (ACTIVE or still DRAINING) and the names of the others, asked once per find.</summary>
    /// <param name="context">The find context.</param>
    /// <param name="cluster">The cluster name.</param>
    public static Task<ClusterServices> ServicesInAsync(FindContext context, string cluster)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Shared.GetAsync("ecs:services:" + cluster, async () =>
        {
            var (ecs, ct) = (context.Session.Ecs, context.CancellationToken);
            var ours = new List<(FoundResource, Ecs.Service)>();
            var others = new List<string>();
            List<string> arns;
            try
            {
                arns = await ecs.ListServicesItemsAsync(new Ecs.ListServicesRequest { Cluster = cluster }, ct).ToListAsync(ct).ConfigureAwait(false);
            }
            catch (AwsApiException e) when (e.ErrorCode == "ClusterNotFoundException")
            {
                return new ClusterServices(ours, others);
            }

            foreach (var batch in arns.Chunk(DescribeBatch))
            {
                var response = await ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = cluster, Services = batch, Include = [Ecs.ServiceField.Tags] }, ct)
                    .ConfigureAwait(false);
                foreach (var service in (response.Services ?? []).Where(s => s is { ServiceName: not null, ServiceArn: not null } && s.Status != "INACTIVE"))
                {
                    if (context.Scope.Owns(ClusterKind.EcsTags(service.Tags)))
                    {
                        ours.Add((new FoundResource(Instance, service.ServiceName!, service.ServiceArn!, cluster, service.Status, IsPerService: true), service));
                    }
                    else if (service.Status == "ACTIVE")
                    {
                        others.Add(service.ServiceName!);
                    }
                }
            }

            return new ClusterServices(ours, others);
        });
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        var result = new List<FoundResource>();
        foreach (var cluster in await ClusterKind.ClustersAsync(context).ConfigureAwait(false))
        {
            result.AddRange((await ServicesInAsync(context, cluster.Name).ConfigureAwait(false)).Ours.Select(s => s.Resource));
        }

        return result;
    }

    /// <inheritdoc />
    public override async Task DeleteAllAsync(IReadOnlyList<FoundResource> resources, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(context);
        // Delete every service first, then wait for all of them: their tasks drain in parallel.
        foreach (var service in resources)
        {
            await context.GuardAsync(service, () => DeleteAsync(service, context)).ConfigureAwait(false);
        }

        foreach (var service in resources)
        {
            await context.GuardAsync(service, () => context.WaitGoneAsync(service, context.Options.ServiceTimeout, () => InactiveAsync(service, context),
                "its tasks are still stopping; look at the service's events in the ECS console, then run destroy again")).ConfigureAwait(false);
            context.Removed(service, $"removed ECS service {service.Name}");
        }
    }

    /// <summary>Scales the service to 0 and deletes it (forced); the wait for INACTIVE is <see cref="DeleteAllAsync"/>'s.</summary>
    /// <param name="resource">The service.</param>
    /// <param name="context">The destroy context.</param>
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        if (resource.State != "ACTIVE")
        {
            context.Progress.Info($"ECS service {resource.Name} is already {resource.State}; waiting until it is INACTIVE");
            return;
        }

        var (ecs, ct) = (context.Session.Ecs, context.CancellationToken);
        string[] gone = ["ServiceNotActiveException", "ServiceNotFoundException", "ClusterNotFoundException"];
        await Converge.TolerateAsync(() => ecs.UpdateServiceAsync(new Ecs.UpdateServiceRequest { Cluster = resource.Parent, Service = resource.Name, DesiredCount = 0 }, ct), gone)
            .ConfigureAwait(false);
        await Converge.TolerateAsync(() => ecs.DeleteServiceAsync(new Ecs.DeleteServiceRequest { Cluster = resource.Parent, Service = resource.Name, Force = true }, ct), gone)
            .ConfigureAwait(false);
        context.Progress.Info($"deleting ECS service {resource.Name} (scaled to 0, delete forced); waiting until it is INACTIVE");
    }

    private static async Task<bool> InactiveAsync(FoundResource service, DestroyContext context)
    {
        try
        {
            var response = await context.Session.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = service.Parent, Services = [service.Name] },
                context.CancellationToken).ConfigureAwait(false);
            return !(response.Services ?? []).Any(s => s.ServiceName == service.Name && s.Status != "INACTIVE");
        }
        catch (AwsApiException e) when (e.ErrorCode == "ClusterNotFoundException")
        {
            return true;
        }
    }
}

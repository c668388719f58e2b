using Aspire.Deployer.Aws;
using AutoScaling = Aspire.Deployer.Aws.ApplicationAutoScaling;
using Ecr = Aspire.Deployer.Aws.Ecr;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Iam = Aspire.Deployer.Aws.Iam;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;

namespace Aspire.Deployer.Destroy;

/// <summary>
/// Finds everything that belongs to an app and environment with read-only calls (Describe*, List*, Get*): each
/// kind is listed (narrowed by the deterministic name prefixes where AWS can only list, never filter by tag) and a
/// resource counts as the app's only when it carries all of <see cref="AppScope.Tags"/>. So a service the model no
/// longer has is found, and a resource of the same name without the tags (or with another app's) is not.
/// </summary>
/// <param name="session">The AWS session.</param>
public sealed class AppResourceFinder(AwsSession session)
{
    private const int ClusterBatch = 100;
    private const int ServiceBatch = 10;
    private const int ElbTagBatch = 20;

    /// <summary>Finds every resource of the app, in removal order.</summary>
    /// <param name="scope">The app and environment.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The app's resources and what stands in their way.</returns>
    public async Task<AppInventory> FindAsync(AppScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var ct = cancellationToken;
        var found = new List<AppResource>();
        var blockers = new List<string>();
        var blockedClusters = new HashSet<string>(StringComparer.Ordinal);

        var clusters = await FindClustersAsync(scope, ct).ConfigureAwait(false);
        var services = new List<(AppResource Resource, Ecs.Service Service)>();
        foreach (var cluster in clusters)
        {
            var (ours, others) = await FindServicesAsync(scope, cluster.Name, ct).ConfigureAwait(false);
            services.AddRange(ours);
            if (others.Count > 0)
            {
                blockedClusters.Add(cluster.Name);
                blockers.AddRange(others.Select(o => $"ECS service {o} in cluster {cluster.Name} is not tagged as this app's: it is left alone, and so is the cluster"));
            }
        }

        found.AddRange(await FindScalableTargetsAsync(scope, clusters, services.Select(s => s.Resource).ToList(), ct).ConfigureAwait(false));
        found.AddRange(services.Select(s => s.Resource));
        found.AddRange(await FindTaskDefinitionsAsync(scope, services.Select(s => s.Service.TaskDefinition), ct).ConfigureAwait(false));
        found.AddRange(clusters);
        found.AddRange(await FindLoadBalancingAsync(scope, ct).ConfigureAwait(false));
        found.AddRange(await FindSecurityGroupsAsync(scope, ct).ConfigureAwait(false));
        found.AddRange(await FindRolesAsync(scope, ct).ConfigureAwait(false));
        found.AddRange(await FindLogGroupsAsync(scope, ct).ConfigureAwait(false));
        found.AddRange(await FindRepositoriesAsync(scope, ct).ConfigureAwait(false));

        // Stable removal order: by kind (the enum's order), the services' security groups before the shared one.
        var ordered = found
            .Select((r, i) => (r, i))
            .OrderBy(x => x.r.Kind)
            .ThenBy(x => x.r.Kind == AppResourceKind.SecurityGroup && !x.r.IsPerService ? 1 : 0)
            .ThenBy(x => x.i)
            .Select(x => x.r)
            .ToList();
        return new AppInventory(ordered, blockers, blockedClusters);
    }

    /// <summary>The app's ECS clusters that are not INACTIVE (normally one, named <c>{app}-{environment}</c>).</summary>
    /// <param name="scope">The app and environment.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The clusters.</returns>
    public async Task<IReadOnlyList<AppResource>> FindClustersAsync(AppScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var arns = await session.Ecs.ListClustersItemsAsync(new Ecs.ListClustersRequest(), cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<AppResource>();
        foreach (var batch in arns.Chunk(ClusterBatch))
        {
            var response = await session.Ecs.DescribeClustersAsync(new Ecs.DescribeClustersRequest { Clusters = batch, Include = [Ecs.ClusterField.Tags] }, cancellationToken).ConfigureAwait(false);
            foreach (var cluster in response.Clusters ?? [])
            {
                if (cluster is { ClusterName: { } name, ClusterArn: { } arn } && cluster.Status != "INACTIVE" && scope.Owns(EcsTags(cluster.Tags)))
                {
                    result.Add(new AppResource(AppResourceKind.Cluster, name, arn, State: cluster.Status));
                }
            }
        }

        return result;
    }

    /// <summary>The app's services in a cluster (ACTIVE or still DRAINING), with what ECS reports about them, and the
    /// names of services in the cluster that are not the app's.</summary>
    /// <param name="scope">The app and environment.</param>
    /// <param name="cluster">The cluster name.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The app's services and the others' names.</returns>
    public async Task<(IReadOnlyList<(AppResource Resource, Ecs.Service Service)> Ours, IReadOnlyList<string> Others)> FindServicesAsync(
        AppScope scope, string cluster, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var ours = new List<(AppResource, Ecs.Service)>();
        var others = new List<string>();
        List<string> arns;
        try
        {
            arns = await session.Ecs.ListServicesItemsAsync(new Ecs.ListServicesRequest { Cluster = cluster }, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == "ClusterNotFoundException")
        {
            return (ours, others);
        }

        foreach (var batch in arns.Chunk(ServiceBatch))
        {
            var response = await session.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest
            {
                Cluster = cluster,
                Services = batch,
                Include = [Ecs.ServiceField.Tags],
            }, cancellationToken).ConfigureAwait(false);
            foreach (var service in response.Services ?? [])
            {
                if (service is not { ServiceName: { } name, ServiceArn: { } arn } || service.Status == "INACTIVE")
                {
                    continue;
                }

                if (scope.Owns(EcsTags(service.Tags)))
                {
                    ours.Add((new AppResource(AppResourceKind.EcsService, name, arn, cluster, service.Status, IsPerService: true), service));
                }
                else if (service.Status == "ACTIVE")
                {
                    others.Add(name);
                }
            }
        }

        return (ours, others);
    }

    private async Task<List<AppResource>> FindScalableTargetsAsync(AppScope scope, IReadOnlyList<AppResource> clusters, IReadOnlyList<AppResource> services, CancellationToken ct)
    {
        // Scalable targets carry no tags of ours: one belongs to the app when it scales one of the app's services, or
        // a service of the app's naming in the app's cluster that is gone already (left by an interrupted destroy).
        var clusterNames = clusters.Select(c => c.Name).Append(scope.Stack).ToHashSet(StringComparer.Ordinal);
        var serviceIds = services.Select(s => $"service/{s.Parent}/{s.Name}").ToHashSet(StringComparer.Ordinal);
        var targets = await session.AutoScaling.DescribeScalableTargetsItemsAsync(new AutoScaling.DescribeScalableTargetsRequest
        {
            ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
            ScalableDimension = AutoScaling.ScalableDimension.EcsServiceDesiredCount,
        }, ct).ToListAsync(ct).ConfigureAwait(false);

        var result = new List<AppResource>();
        foreach (var target in targets)
        {
            var parts = target.ResourceId.Split('/');
            if (parts is not ["service", var cluster, var service] || !clusterNames.Contains(cluster))
            {
                continue;
            }

            var ours = serviceIds.Contains(target.ResourceId)
                || (service.StartsWith(scope.Stack + "-", StringComparison.Ordinal) && !await ServiceExistsAsync(cluster, service, ct).ConfigureAwait(false));
            if (ours)
            {
                result.Add(new AppResource(AppResourceKind.ScalableTarget, target.ResourceId, target.ScalableTargetARN ?? target.ResourceId, cluster, IsPerService: true));
            }
        }

        return result;
    }

    private async Task<bool> ServiceExistsAsync(string cluster, string service, CancellationToken ct)
    {
        try
        {
            var response = await session.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = cluster, Services = [service] }, ct).ConfigureAwait(false);
            return response.Services?.Any(s => s.ServiceName == service && s.Status != "INACTIVE") ?? false;
        }
        catch (AwsApiException e) when (e.ErrorCode == "ClusterNotFoundException")
        {
            return false;
        }
    }

    private async Task<List<AppResource>> FindTaskDefinitionsAsync(AppScope scope, IEnumerable<string?> serviceTaskDefinitions, CancellationToken ct)
    {
        var families = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var family in await session.Ecs.ListTaskDefinitionFamiliesItemsAsync(new Ecs.ListTaskDefinitionFamiliesRequest
        {
            FamilyPrefix = scope.Stack + "-",
            Status = Ecs.TaskDefinitionFamilyStatus.Active,
        }, ct).ToListAsync(ct).ConfigureAwait(false))
        {
            families.Add(family);
        }

        foreach (var arn in serviceTaskDefinitions.OfType<string>())
        {
            if (FamilyOf(arn) is { } family)
            {
                families.Add(family);
            }
        }

        foreach (var names in scope.Services ?? [])
        {
            families.Add(names.TaskFamily);
        }

        var result = new List<AppResource>();
        foreach (var family in families)
        {
            var arns = await session.Ecs.ListTaskDefinitionsItemsAsync(new Ecs.ListTaskDefinitionsRequest
            {
                FamilyPrefix = family,
                Status = Ecs.TaskDefinitionStatus.Active,
            }, ct).ToListAsync(ct).ConfigureAwait(false);
            foreach (var arn in arns.Where(a => FamilyOf(a) == family))
            {
                Ecs.DescribeTaskDefinitionResponse described;
                try
                {
                    described = await session.Ecs.DescribeTaskDefinitionAsync(new Ecs.DescribeTaskDefinitionRequest { TaskDefinition = arn, Include = [Ecs.TaskDefinitionField.Tags] }, ct).ConfigureAwait(false);
                }
                catch (AwsApiException e) when (e.ErrorCode == "ClientException")
                {
                    continue; // gone since it was listed
                }

                if (described.TaskDefinition?.Status == "ACTIVE" && scope.Owns(EcsTags(described.Tags)))
                {
                    result.Add(new AppResource(AppResourceKind.TaskDefinition, arn[(arn.LastIndexOf('/') + 1)..], arn, IsPerService: true));
                }
            }
        }

        return result;
    }

    private async Task<List<AppResource>> FindLoadBalancingAsync(AppScope scope, CancellationToken ct)
    {
        var elb = session.ElbV2;
        var balancers = await elb.DescribeLoadBalancersItemsAsync(new Elb.DescribeLoadBalancersRequest(), ct).ToListAsync(ct).ConfigureAwait(false);
        var groups = await elb.DescribeTargetGroupsItemsAsync(new Elb.DescribeTargetGroupsRequest(), ct).ToListAsync(ct).ConfigureAwait(false);
        var arns = balancers.Select(b => b.LoadBalancerArn).Concat(groups.Select(g => g.TargetGroupArn)).OfType<string>().ToList();
        var owned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in arns.Chunk(ElbTagBatch))
        {
            Elb.DescribeTagsResponse response;
            try
            {
                response = await elb.DescribeTagsAsync(new Elb.DescribeTagsRequest { ResourceArns = batch }, ct).ConfigureAwait(false);
            }
            catch (AwsApiException e) when (e.ErrorCode is "LoadBalancerNotFound" or "TargetGroupNotFound")
            {
                // One of the batch went away between the two calls: ask one by one.
                response = new Elb.DescribeTagsResponse { TagDescriptions = await DescribeTagsOneByOneAsync(batch, ct).ConfigureAwait(false) };
            }

            foreach (var description in response.TagDescriptions ?? [])
            {
                if (description.ResourceArn is { } arn && scope.Owns((description.Tags ?? []).Where(t => t.Value is not null).Select(t => new KeyValuePair<string, string>(t.Key, t.Value!))))
                {
                    owned.Add(arn);
                }
            }
        }

        var result = new List<AppResource>();
        foreach (var balancer in balancers.Where(b => b.LoadBalancerArn is { } a && owned.Contains(a)))
        {
            var lbArn = balancer.LoadBalancerArn!;
            List<Elb.Listener> listeners;
            try
            {
                listeners = await elb.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lbArn }, ct).ToListAsync(ct).ConfigureAwait(false);
            }
            catch (AwsApiException e) when (e.ErrorCode == "LoadBalancerNotFound")
            {
                continue;
            }

            // Listeners live and die with the app's load balancer, whoever added them.
            result.AddRange(listeners.Where(l => l.ListenerArn is not null).Select(l =>
                new AppResource(AppResourceKind.Listener, $"{balancer.LoadBalancerName}:{l.Port}", l.ListenerArn!, lbArn)));
            result.Add(new AppResource(AppResourceKind.LoadBalancer, balancer.LoadBalancerName ?? lbArn, lbArn, State: balancer.DNSName));
        }

        result.AddRange(groups
            .Where(g => g.TargetGroupArn is { } a && owned.Contains(a))
            .Select(g => new AppResource(AppResourceKind.TargetGroup, g.TargetGroupName ?? g.TargetGroupArn!, g.TargetGroupArn!, IsPerService: true)));
        return result;
    }

    private async Task<List<Elb.TagDescription>> DescribeTagsOneByOneAsync(IEnumerable<string> arns, CancellationToken ct)
    {
        var result = new List<Elb.TagDescription>();
        foreach (var arn in arns)
        {
            try
            {
                var response = await session.ElbV2.DescribeTagsAsync(new Elb.DescribeTagsRequest { ResourceArns = [arn] }, ct).ConfigureAwait(false);
                result.AddRange(response.TagDescriptions ?? []);
            }
            catch (AwsApiException e) when (e.ErrorCode is "LoadBalancerNotFound" or "TargetGroupNotFound")
            {
                // gone
            }
        }

        return result;
    }

    private async Task<List<AppResource>> FindSecurityGroupsAsync(AppScope scope, CancellationToken ct)
    {
        var groups = await session.Ec2.DescribeSecurityGroupsByTagsAsync(null, scope.Tags, ct).ConfigureAwait(false);
        return groups
            .Where(g => scope.Owns(g.Tags))
            .Select(g => new AppResource(AppResourceKind.SecurityGroup, g.GroupName, g.GroupId, g.VpcId,
                IsPerService: g.Tags.ContainsKey(Model.AwsNames.TagKeys.Resource)))
            .ToList();
    }

    private async Task<List<AppResource>> FindRolesAsync(AppScope scope, CancellationToken ct)
    {
        // IAM lists roles without their tags: the app's naming narrows the list, GetRole's tags decide. IAM is
        // global, so only this region's roles: the same app and environment in another region keeps its own.
        var region = session.Region.SystemName;
        var candidates = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var role in session.Iam.ListRolesItemsAsync(new Iam.ListRolesRequest(), ct).ConfigureAwait(false))
        {
            if (role.RoleName.StartsWith(scope.Stack + "-", StringComparison.Ordinal)
                && (role.RoleName.EndsWith(Model.AwsNames.ExecutionRoleSuffix(region), StringComparison.Ordinal)
                    || role.RoleName.EndsWith(Model.AwsNames.TaskRoleSuffix(region), StringComparison.Ordinal)))
            {
                candidates.Add(role.RoleName);
            }
        }

        var result = new List<AppResource>();
        foreach (var name in candidates)
        {
            try
            {
                var role = (await session.Iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = name }, ct).ConfigureAwait(false)).Role;
                if (scope.Owns((role.Tags ?? []).Select(t => new KeyValuePair<string, string>(t.Key, t.Value))))
                {
                    result.Add(new AppResource(AppResourceKind.IamRole, name, role.Arn, IsPerService: true));
                }
            }
            catch (AwsApiException e) when (e.ErrorCode == "NoSuchEntity")
            {
                // gone since it was listed
            }
        }

        return result;
    }

    private async Task<List<AppResource>> FindLogGroupsAsync(AppScope scope, CancellationToken ct)
    {
        var result = new List<AppResource>();
        await foreach (var group in session.Logs.DescribeLogGroupsItemsAsync(new Logs.DescribeLogGroupsRequest { LogGroupNamePrefix = scope.LogGroupPrefix }, ct).ConfigureAwait(false))
        {
            if (group.LogGroupName is not { } name)
            {
                continue;
            }

            var arn = group.LogGroupArn ?? (group.Arn is { } a && a.EndsWith(":*", StringComparison.Ordinal) ? a[..^2] : group.Arn) ?? name;
            try
            {
                var tags = (await session.Logs.ListTagsForResourceAsync(new Logs.ListTagsForResourceRequest { ResourceArn = arn }, ct).ConfigureAwait(false)).Tags;
                if (scope.Owns(tags))
                {
                    result.Add(new AppResource(AppResourceKind.LogGroup, name, arn, IsPerService: true));
                }
            }
            catch (AwsApiException e) when (e.ErrorCode == "ResourceNotFoundException")
            {
                // gone since it was listed
            }
        }

        return result;
    }

    private async Task<List<AppResource>> FindRepositoriesAsync(AppScope scope, CancellationToken ct)
    {
        var result = new List<AppResource>();
        await foreach (var repository in session.Ecr.DescribeRepositoriesItemsAsync(new Ecr.DescribeRepositoriesRequest(), ct).ConfigureAwait(false))
        {
            if (repository is not { RepositoryName: { } name, RepositoryArn: { } arn } || !name.StartsWith(scope.RepositoryPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                var tags = await session.Ecr.ListTagsForResourceAsync(new Ecr.ListTagsForResourceRequest { ResourceArn = arn }, ct).ConfigureAwait(false);
                if (scope.Owns((tags.Tags ?? []).Select(t => new KeyValuePair<string, string>(t.Key, t.Value))))
                {
                    result.Add(new AppResource(AppResourceKind.EcrRepository, name, arn, IsPerService: true));
                }
            }
            catch (AwsApiException e) when (e.ErrorCode == "RepositoryNotFoundException")
            {
                // gone since it was listed
            }
        }

        return result;
    }

    /// <summary>The family of a task definition ARN or <c>family:revision</c>.</summary>
    /// <param name="taskDefinition">E.g. <c>arn:aws:ecs:us-east-1:123456789012:task-definition/web:7</c>.</param>
    /// <returns>E.g. <c>web</c>, or null for null.</returns>
    internal static string? FamilyOf(string? taskDefinition)
    {
        if (taskDefinition is null)
        {
            return null;
        }

        var name = taskDefinition[(taskDefinition.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        return colon < 0 ? name : name[..colon];
    }

    private static IEnumerable<KeyValuePair<string, string>> EcsTags(IEnumerable<Ecs.Tag>? tags) =>
        (tags ?? []).Where(t => t.Key is not null).Select(t => new KeyValuePair<string, string>(t.Key!, t.Value ?? ""));
}

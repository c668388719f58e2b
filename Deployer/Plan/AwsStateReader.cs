using System.Text.Json;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.Ec2;
using Aspire.Deployer.Model;
using AutoScaling = Aspire.Deployer.Aws.ApplicationAutoScaling;
using Ecr = Aspire.Deployer.Aws.Ecr;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Iam = Aspire.Deployer.Aws.Iam;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;

namespace Aspire.Deployer.Plan;

/// <summary>
/// Reads what exists in AWS for the resources of a desired state, by their deterministic names (security groups by
/// the app's tags, then by name), with read-only calls only (Describe*, Get*, List*). A resource that does not exist
/// is left out of the result; every other failure is an <see cref="AwsApiException"/>.
/// </summary>
/// <param name="session">The AWS session.</param>
public sealed class AwsStateReader(AwsSession session)
{
    // ELBv2 DescribeTags takes at most 20 ARNs per call; ECS DescribeServices at most 10 services.
    private const int ElbTagBatch = 20;
    private const int EcsServiceBatch = 10;

    private static readonly string[] ServiceGone = ["INACTIVE", "DRAINING"];

    /// <summary>Reads the current state of every resource <paramref name="desired"/> names (and the app's autoscaling).</summary>
    /// <param name="desired">The desired state.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>What exists, keyed like the desired state.</returns>
    public async Task<CurrentState> ReadAsync(DesiredState desired, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var found = new List<ObservedResource>();
        var ct = cancellationToken;

        foreach (var spec in desired.OfType<EcrRepositorySpec>())
        {
            AddIfFound(found, await ReadRepositoryAsync(spec, ct).ConfigureAwait(false));
        }

        foreach (var spec in desired.OfType<LogGroupSpec>())
        {
            AddIfFound(found, await ReadLogGroupAsync(spec, ct).ConfigureAwait(false));
        }

        foreach (var spec in desired.OfType<IamRoleSpec>())
        {
            AddIfFound(found, await ReadRoleAsync(spec, ct).ConfigureAwait(false));
        }

        var groups = await ReadSecurityGroupsAsync(desired, ct).ConfigureAwait(false);
        found.AddRange(groups.Observed);

        var elb = await ReadLoadBalancingAsync(desired, groups.NameById, ct).ConfigureAwait(false);
        found.AddRange(elb.Observed);

        var cluster = desired.OfType<ClusterSpec>().FirstOrDefault() is { } clusterSpec
            ? await ReadClusterAsync(clusterSpec, ct).ConfigureAwait(false)
            : null;
        AddIfFound(found, cluster);

        var services = cluster is null ? [] : await ReadServicesAsync(cluster.Spec.Name, desired, groups.NameById, elb.TargetGroupNameByArn, ct).ConfigureAwait(false);
        found.AddRange(services.Select(s => s.Observed));

        foreach (var spec in desired.OfType<TaskDefinitionSpec>())
        {
            // The revision the service runs is what a deploy changes; without a service, the family's latest.
            var running = services.Where(s => s.Observed.Spec.Owner == spec.Owner).Select(s => s.TaskDefinitionArn).FirstOrDefault();
            AddIfFound(found, await ReadTaskDefinitionAsync(spec, running ?? spec.Name, ct).ConfigureAwait(false));
        }

        found.AddRange(await ReadAutoScalingAsync(desired, ct).ConfigureAwait(false));
        return new CurrentState(found);
    }

    private static void AddIfFound(List<ObservedResource> found, ObservedResource? resource)
    {
        if (resource is not null)
        {
            found.Add(resource);
        }
    }

    private async Task<ObservedResource?> ReadRepositoryAsync(EcrRepositorySpec spec, CancellationToken ct)
    {
        Ecr.Repository? repository;
        try
        {
            var response = await session.Ecr.DescribeRepositoriesAsync(new Ecr.DescribeRepositoriesRequest { RepositoryNames = [spec.Name] }, ct).ConfigureAwait(false);
            repository = response.Repositories?.FirstOrDefault(r => r.RepositoryName == spec.Name);
        }
        catch (AwsApiException e) when (e.ErrorCode == "RepositoryNotFoundException")
        {
            return null;
        }

        if (repository?.RepositoryArn is not { } arn)
        {
            return null;
        }

        var tags = await session.Ecr.ListTagsForResourceAsync(new Ecr.ListTagsForResourceRequest { ResourceArn = arn }, ct).ConfigureAwait(false);
        return new ObservedResource(
            spec with
            {
                Tags = ToDictionary(tags.Tags, t => t.Key, t => t.Value),
                ScanOnPush = repository.ImageScanningConfiguration?.ScanOnPush ?? false,
                ImmutableTags = repository.ImageTagMutability is Ecr.ImageTagMutability.Immutable or "IMMUTABLE_WITH_EXCLUSION",
            },
            arn,
            repository.RepositoryUri);
    }

    private async Task<ObservedResource?> ReadLogGroupAsync(LogGroupSpec spec, CancellationToken ct)
    {
        // A prefix also matches longer names: keep the exact one.
        var group = await session.Logs.DescribeLogGroupsItemsAsync(new Logs.DescribeLogGroupsRequest { LogGroupNamePrefix = spec.Name }, ct)
            .FirstOrDefaultAsync(g => g.LogGroupName == spec.Name, ct).ConfigureAwait(false);
        if (group is null)
        {
            return null;
        }

        var arn = group.LogGroupArn ?? (group.Arn is { } a && a.EndsWith(":*", StringComparison.Ordinal) ? a[..^2] : group.Arn) ?? spec.Name;
        IReadOnlyDictionary<string, string> tags;
        try
        {
            tags = (await session.Logs.ListTagsForResourceAsync(new Logs.ListTagsForResourceRequest { ResourceArn = arn }, ct).ConfigureAwait(false)).Tags
                ?? new Dictionary<string, string>();
        }
        catch (AwsApiException e) when (e.ErrorCode == "ResourceNotFoundException")
        {
            return null; // deleted between the two calls
        }

        return new ObservedResource(spec with { Tags = tags, RetentionDays = group.RetentionInDays }, arn);
    }

    private async Task<ObservedResource?> ReadRoleAsync(IamRoleSpec spec, CancellationToken ct)
    {
        Iam.Role role;
        List<Iam.AttachedPolicy> policies;
        try
        {
            role = (await session.Iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = spec.Name }, ct).ConfigureAwait(false)).Role;
            policies = await session.Iam.ListAttachedRolePoliciesItemsAsync(new Iam.ListAttachedRolePoliciesRequest { RoleName = spec.Name }, ct)
                .ToListAsync(ct).ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == "NoSuchEntity")
        {
            return null;
        }

        return new ObservedResource(
            spec with
            {
                Tags = ToDictionary(role.Tags, t => t.Key, t => t.Value),
                TrustedServices = TrustedServices(role.AssumeRolePolicyDocument),
                ManagedPolicyArns = [.. policies.Select(p => p.PolicyArn).OfType<string>()],
            },
            role.Arn);
    }

    /// <summary>The service principals an IAM trust policy lets assume the role (sts:AssumeRole, Allow).</summary>
    /// <param name="document">The policy document, URL-encoded as IAM returns it, or plain JSON.</param>
    internal static IReadOnlyList<string> TrustedServices(string? document)
    {
        if (string.IsNullOrWhiteSpace(document))
        {
            return [];
        }

        var json = document.TrimStart().StartsWith('{') ? document : Uri.UnescapeDataString(document);
        try
        {
            using var parsed = JsonDocument.Parse(json);
            if (!parsed.RootElement.TryGetProperty("Statement", out var statements))
            {
                return [];
            }

            var list = statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToList() : [statements];
            return list
                .Where(s => Text(s, "Effect") == "Allow" && Strings(s, "Action").Contains("sts:AssumeRole"))
                .SelectMany(s => s.TryGetProperty("Principal", out var p) && p.ValueKind == JsonValueKind.Object ? Strings(p, "Service") : [])
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
        catch (JsonException)
        {
            return [];
        }

        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        static List<string> Strings(JsonElement e, string name) =>
            !e.TryGetProperty(name, out var v) ? []
            : v.ValueKind == JsonValueKind.String ? [v.GetString()!]
            : v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)]
            : [];
    }

    private async Task<(List<ObservedResource> Observed, Dictionary<string, string> NameById)> ReadSecurityGroupsAsync(DesiredState desired, CancellationToken ct)
    {
        var observed = new List<ObservedResource>();
        var nameById = new Dictionary<string, string>(StringComparer.Ordinal);
        var specs = desired.OfType<SecurityGroupSpec>().ToList();
        if (specs.Count == 0)
        {
            return (observed, nameById);
        }

        // EC2 groups are found by the app's tags (names are unique only per VPC), in any VPC: a group left in another
        // VPC is one to replace, not one to ignore.
        var tags = DesiredStateBuilder.SharedTags(desired.Deployment.Services[0].Names);
        var groups = await session.Ec2.DescribeSecurityGroupsByTagsAsync(null, tags, ct).ConfigureAwait(false);
        var chosen = new List<(SecurityGroupSpec Spec, Ec2SecurityGroup Group)>();
        foreach (var spec in specs)
        {
            var group = groups.Where(g => g.GroupName == spec.Name).OrderByDescending(g => g.VpcId == spec.VpcId).FirstOrDefault();
            if (group is not null)
            {
                chosen.Add((spec, group));
                nameById[group.GroupId] = spec.Name;
            }
        }

        foreach (var (spec, group) in chosen)
        {
            var rules = group.IngressRules
                .Select(r => new IngressRuleSpec(r.Protocol, r.FromPort, r.ToPort,
                    r.CidrIpv4 ?? r.CidrIpv6 ?? IngressRuleSpec.GroupPrefix + (r.SourceSecurityGroupId is { } id ? nameById.GetValueOrDefault(id, id) : "?")))
                .Distinct()
                .ToList();
            observed.Add(new ObservedResource(
                spec with { Tags = group.Tags, VpcId = group.VpcId ?? "", Description = group.Description ?? "", Ingress = rules },
                group.GroupId));
        }

        return (observed, nameById);
    }

    private async Task<(List<ObservedResource> Observed, Dictionary<string, string> TargetGroupNameByArn)> ReadLoadBalancingAsync(
        DesiredState desired, IReadOnlyDictionary<string, string> groupNameById, CancellationToken ct)
    {
        var elb = session.ElbV2;
        var specs = new List<(ResourceSpec Spec, string Arn, ObservedResource Observed)>();
        var tgNameByArn = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var spec in desired.OfType<TargetGroupSpec>())
        {
            Elb.TargetGroup? group;
            try
            {
                var response = await elb.DescribeTargetGroupsAsync(new Elb.DescribeTargetGroupsRequest { Names = [spec.Name] }, ct).ConfigureAwait(false);
                group = response.TargetGroups?.FirstOrDefault(g => g.TargetGroupName == spec.Name);
            }
            catch (AwsApiException e) when (e.ErrorCode == "TargetGroupNotFound")
            {
                group = null;
            }

            if (group?.TargetGroupArn is not { } arn)
            {
                continue;
            }

            tgNameByArn[arn] = spec.Name;
            var attributes = await elb.DescribeTargetGroupAttributesAsync(new Elb.DescribeTargetGroupAttributesRequest { TargetGroupArn = arn }, ct).ConfigureAwait(false);
            var current = spec with
            {
                Protocol = group.Protocol ?? "",
                Port = group.Port ?? 0,
                VpcId = group.VpcId ?? "",
                TargetType = group.TargetType ?? "",
                HealthCheck = new HealthCheckSpec(group.HealthCheckProtocol ?? "", group.HealthCheckPath ?? "", group.HealthCheckIntervalSeconds ?? 0,
                    group.HealthCheckTimeoutSeconds ?? 0, group.HealthyThresholdCount ?? 0, group.UnhealthyThresholdCount ?? 0, group.Matcher?.HttpCode ?? ""),
                Attributes = ToDictionary(attributes.Attributes, a => a.Key, a => a.Value),
            };
            specs.Add((current, arn, new ObservedResource(current, arn)));
        }

        var lbSpec = desired.OfType<LoadBalancerSpec>().FirstOrDefault();
        Elb.LoadBalancer? lb = null;
        if (lbSpec is not null)
        {
            try
            {
                var response = await elb.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { Names = [lbSpec.Name] }, ct).ConfigureAwait(false);
                lb = response.LoadBalancers?.FirstOrDefault(l => l.LoadBalancerName == lbSpec.Name);
            }
            catch (AwsApiException e) when (e.ErrorCode == "LoadBalancerNotFound")
            {
                lb = null;
            }
        }

        if (lbSpec is not null && lb?.LoadBalancerArn is { } lbArn)
        {
            var attributes = await elb.DescribeLoadBalancerAttributesAsync(new Elb.DescribeLoadBalancerAttributesRequest { LoadBalancerArn = lbArn }, ct).ConfigureAwait(false);
            var current = lbSpec with
            {
                Scheme = lb.Scheme ?? "",
                Type = lb.Type ?? "",
                IpAddressType = lb.IpAddressType ?? "",
                SubnetIds = [.. (lb.AvailabilityZones ?? []).Select(z => z.SubnetId).OfType<string>()],
                SecurityGroupNames = [.. (lb.SecurityGroups ?? []).Select(id => groupNameById.GetValueOrDefault(id, id))],
                Attributes = ToDictionary(attributes.Attributes, a => a.Key, a => a.Value),
            };
            specs.Add((current, lbArn, new ObservedResource(current, lbArn, lb.DNSName)));

            var listeners = await elb.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lbArn }, ct).ToListAsync(ct).ConfigureAwait(false);
            foreach (var spec in desired.OfType<ListenerSpec>().Where(l => l.LoadBalancerName == lbSpec.Name))
            {
                // The listener forwarding to the service's target group is the service's, whatever its port (a port
                // change is made in place); failing that, whichever listener holds the desired port.
                var tgArn = tgNameByArn.FirstOrDefault(p => p.Value == spec.TargetGroupName).Key;
                var listener = listeners.FirstOrDefault(l => tgArn is not null && ForwardTargets(l).Contains(tgArn))
                    ?? listeners.FirstOrDefault(l => l.Port == spec.Port);
                if (listener?.ListenerArn is not { } listenerArn)
                {
                    continue;
                }

                var forwards = ForwardTargets(listener);
                // Certificates and TLS policies mean something on secure listeners only (moto reports a policy on HTTP ones).
                var secure = listener.Protocol is "HTTPS" or "TLS";
                var current2 = spec with
                {
                    Port = listener.Port ?? 0,
                    Protocol = listener.Protocol ?? "",
                    CertificateArn = secure ? listener.Certificates?.FirstOrDefault(c => c.IsDefault != false)?.CertificateArn ?? listener.Certificates?.FirstOrDefault()?.CertificateArn : null,
                    SslPolicy = secure ? listener.SslPolicy : null,
                    TargetGroupName = forwards.Count == 1 ? tgNameByArn.GetValueOrDefault(forwards[0], forwards[0]) : string.Join(", ", forwards),
                };
                specs.Add((current2, listenerArn, new ObservedResource(current2, listenerArn)));
            }
        }

        // Tags for everything found, 20 ARNs per call.
        var tagsByArn = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var batch in specs.Select(s => s.Arn).Chunk(ElbTagBatch))
        {
            var response = await elb.DescribeTagsAsync(new Elb.DescribeTagsRequest { ResourceArns = batch }, ct).ConfigureAwait(false);
            foreach (var description in response.TagDescriptions ?? [])
            {
                if (description.ResourceArn is { } arn)
                {
                    tagsByArn[arn] = ToDictionary(description.Tags, t => t.Key, t => t.Value);
                }
            }
        }

        var observed = specs.Select(s => s.Observed with { Spec = s.Spec with { Tags = tagsByArn.GetValueOrDefault(s.Arn) ?? new Dictionary<string, string>() } }).ToList();
        return (observed, tgNameByArn);
    }

    private static List<string> ForwardTargets(Elb.Listener listener) =>
        (listener.DefaultActions ?? [])
            .Where(a => a.Type == Elb.ActionTypeEnum.Forward)
            .SelectMany(a => a.ForwardConfig?.TargetGroups?.Select(t => t.TargetGroupArn) ?? [a.TargetGroupArn])
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private async Task<ObservedResource?> ReadClusterAsync(ClusterSpec spec, CancellationToken ct)
    {
        // DescribeClusters does not fail for a missing cluster: it lists it under failures with reason MISSING.
        var response = await session.Ecs.DescribeClustersAsync(new Ecs.DescribeClustersRequest
        {
            Clusters = [spec.Name],
            Include = [Ecs.ClusterField.Settings, Ecs.ClusterField.Tags],
        }, ct).ConfigureAwait(false);
        var cluster = response.Clusters?.FirstOrDefault(c => c.ClusterName == spec.Name && c.Status != "INACTIVE");
        if (cluster?.ClusterArn is null)
        {
            return null;
        }

        var insights = cluster.Settings?.FirstOrDefault(s => s.Name == Ecs.ClusterSettingName.ContainerInsights)?.Value ?? "disabled";
        return new ObservedResource(spec with { Tags = ToDictionary(cluster.Tags, t => t.Key, t => t.Value), ContainerInsights = insights }, cluster.ClusterArn);
    }

    private async Task<List<(ObservedResource Observed, string? TaskDefinitionArn)>> ReadServicesAsync(
        string clusterName, DesiredState desired, IReadOnlyDictionary<string, string> groupNameById, IReadOnlyDictionary<string, string> tgNameByArn, CancellationToken ct)
    {
        var result = new List<(ObservedResource, string?)>();
        var specs = desired.OfType<EcsServiceSpec>().Where(s => s.ClusterName == clusterName).ToList();
        foreach (var batch in specs.Chunk(EcsServiceBatch))
        {
            Ecs.DescribeServicesResponse response;
            try
            {
                response = await session.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest
                {
                    Cluster = clusterName,
                    Services = [.. batch.Select(s => s.Name)],
                    Include = [Ecs.ServiceField.Tags],
                }, ct).ConfigureAwait(false);
            }
            catch (AwsApiException e) when (e.ErrorCode == "ClusterNotFoundException")
            {
                return result; // deleted since it was read
            }

            foreach (var spec in batch)
            {
                // Missing services come back under failures (MISSING); deleted ones linger as INACTIVE or DRAINING.
                var service = response.Services?.FirstOrDefault(s => s.ServiceName == spec.Name && !ServiceGone.Contains(s.Status));
                if (service?.ServiceArn is null)
                {
                    continue;
                }

                var vpc = service.NetworkConfiguration?.AwsvpcConfiguration;
                var balancer = service.LoadBalancers?.FirstOrDefault();
                // ECS always reports the deployment configuration (and the grace period of a load-balanced service);
                // an emulator may not (moto 5.2 drops both). Unreported values are not compared, and the plan says so.
                var unreported = new List<string>();
                if (service.HealthCheckGracePeriodSeconds is null)
                {
                    unreported.Add("health check grace period");
                }

                if (service.DeploymentConfiguration is null)
                {
                    unreported.Add("deployment configuration (circuit breaker, rollback, minimum and maximum percent)");
                }

                var deployment = service.DeploymentConfiguration ?? new Ecs.DeploymentConfiguration
                {
                    DeploymentCircuitBreaker = new Ecs.DeploymentCircuitBreaker { Enable = spec.CircuitBreaker, Rollback = spec.Rollback },
                    MinimumHealthyPercent = spec.MinimumHealthyPercent,
                    MaximumPercent = spec.MaximumPercent,
                };
                var current = spec with
                {
                    Tags = ToDictionary(service.Tags, t => t.Key, t => t.Value),
                    TaskFamily = FamilyOf(service.TaskDefinition) ?? "",
                    LaunchType = service.LaunchType ?? (service.CapacityProviderStrategy is { Count: > 0 } ? "capacity provider strategy" : ""),
                    DesiredCount = service.DesiredCount ?? 0,
                    SubnetIds = vpc?.Subnets ?? [],
                    SecurityGroupNames = [.. (vpc?.SecurityGroups ?? []).Select(id => groupNameById.GetValueOrDefault(id, id))],
                    AssignPublicIp = vpc?.AssignPublicIp == Ecs.AssignPublicIp.Enabled,
                    TargetGroupName = balancer?.TargetGroupArn is { } tg ? tgNameByArn.GetValueOrDefault(tg, tg) : null,
                    ContainerName = balancer?.ContainerName,
                    ContainerPort = balancer?.ContainerPort,
                    HealthCheckGracePeriodSeconds = service.HealthCheckGracePeriodSeconds ?? spec.HealthCheckGracePeriodSeconds,
                    CircuitBreaker = deployment?.DeploymentCircuitBreaker?.Enable ?? false,
                    Rollback = deployment?.DeploymentCircuitBreaker?.Rollback ?? false,
                    MinimumHealthyPercent = deployment?.MinimumHealthyPercent ?? 0,
                    MaximumPercent = deployment?.MaximumPercent ?? 0,
                };
                result.Add((new ObservedResource(current, service.ServiceArn, Unreported: unreported.Count > 0 ? unreported : null), service.TaskDefinition));
            }
        }

        return result;
    }

    // "arn:aws:ecs:us-east-1:123456789012:task-definition/family:7" -> "family"
    private static string? FamilyOf(string? taskDefinitionArn)
    {
        if (taskDefinitionArn is null)
        {
            return null;
        }

        var name = taskDefinitionArn[(taskDefinitionArn.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        return colon < 0 ? name : name[..colon];
    }

    /// <summary>Reads one task definition revision (a family name gives its latest ACTIVE revision) into the shape of <paramref name="spec"/>; null when there is none.</summary>
    /// <param name="spec">The desired task definition (names the container and the tags to read).</param>
    /// <param name="reference">A family, <c>family:revision</c> or an ARN.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    internal Task<ObservedResource?> ReadTaskDefinitionRevisionAsync(TaskDefinitionSpec spec, string reference, CancellationToken cancellationToken) =>
        ReadTaskDefinitionAsync(spec, reference, cancellationToken);

    private async Task<ObservedResource?> ReadTaskDefinitionAsync(TaskDefinitionSpec spec, string reference, CancellationToken ct)
    {
        Ecs.DescribeTaskDefinitionResponse response;
        try
        {
            response = await session.Ecs.DescribeTaskDefinitionAsync(new Ecs.DescribeTaskDefinitionRequest
            {
                TaskDefinition = reference,
                Include = [Ecs.TaskDefinitionField.Tags],
            }, ct).ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == "ClientException" && e.AwsMessage.Contains("Unable to describe task definition", StringComparison.OrdinalIgnoreCase))
        {
            // What ECS answers for a family with no ACTIVE revision.
            return null;
        }

        if (response.TaskDefinition is not { TaskDefinitionArn: { } arn } definition)
        {
            return null;
        }

        var container = definition.ContainerDefinitions?.FirstOrDefault(c => c.Name == spec.Container.Name) ?? definition.ContainerDefinitions?.FirstOrDefault();
        var current = spec with
        {
            Tags = ToDictionary(response.Tags, t => t.Key, t => t.Value),
            Cpu = ParseInt(definition.Cpu),
            MemoryMiB = ParseInt(definition.Memory),
            CpuArchitecture = definition.RuntimePlatform?.CpuArchitecture ?? "X86_64",
            OperatingSystemFamily = definition.RuntimePlatform?.OperatingSystemFamily ?? "LINUX",
            NetworkMode = definition.NetworkMode ?? "",
            RequiresCompatibilities = definition.RequiresCompatibilities ?? [],
            ExecutionRoleName = RoleName(definition.ExecutionRoleArn),
            TaskRoleName = RoleName(definition.TaskRoleArn),
            Container = new ContainerSpec(
                container?.Name ?? "",
                container?.Image,
                container?.PortMappings?.FirstOrDefault()?.ContainerPort ?? 0,
                new SortedDictionary<string, string>(ToDictionary(container?.Environment, e => e.Name, e => e.Value), StringComparer.Ordinal),
                container?.Essential ?? true,
                container?.ReadonlyRootFilesystem ?? false,
                container?.Privileged ?? false,
                container?.StopTimeout ?? 0,
                container?.LogConfiguration?.LogDriver ?? "",
                new SortedDictionary<string, string>(container?.LogConfiguration?.Options?.ToDictionary() ?? [], StringComparer.Ordinal)),
        };
        return new ObservedResource(current, arn);
    }

    private static string? RoleName(string? arn) => arn is null ? null : arn[(arn.LastIndexOf('/') + 1)..];

    private static int ParseInt(string? value) => int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;

    private async Task<List<ObservedResource>> ReadAutoScalingAsync(DesiredState desired, CancellationToken ct)
    {
        // Every service's scalable target is read, wanted or not: one left from an earlier deploy is planned for deletion.
        var services = desired.Deployment.Services;
        if (services.Count == 0)
        {
            return [];
        }

        var wanted = desired.OfType<AutoScalingSpec>().ToDictionary(s => s.Name, StringComparer.Ordinal);
        var ids = services.Select(s => DesiredStateBuilder.ScalableTargetId(s.Names)).ToList();
        var targets = await session.AutoScaling.DescribeScalableTargetsItemsAsync(new AutoScaling.DescribeScalableTargetsRequest
        {
            ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
            ResourceIds = ids,
            ScalableDimension = AutoScaling.ScalableDimension.EcsServiceDesiredCount,
        }, ct).ToListAsync(ct).ConfigureAwait(false);

        var observed = new List<ObservedResource>();
        foreach (var target in targets)
        {
            var service = services.First(s => DesiredStateBuilder.ScalableTargetId(s.Names) == target.ResourceId);
            var policyName = DesiredStateBuilder.ScalingPolicyName(service.Names);
            var policies = await session.AutoScaling.DescribeScalingPoliciesItemsAsync(new AutoScaling.DescribeScalingPoliciesRequest
            {
                ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
                ResourceId = target.ResourceId,
                ScalableDimension = AutoScaling.ScalableDimension.EcsServiceDesiredCount,
            }, ct).ToListAsync(ct).ConfigureAwait(false);
            var policy = policies.FirstOrDefault(p => p.PolicyName == policyName);
            var spec = wanted.TryGetValue(target.ResourceId, out var desiredSpec)
                ? desiredSpec
                : new AutoScalingSpec(target.ResourceId, service.Names.Resource, new Dictionary<string, string>(), 0, 0, policyName, null);
            observed.Add(new ObservedResource(
                spec with
                {
                    MinCount = target.MinCapacity,
                    MaxCount = target.MaxCapacity,
                    TargetCpuPercent = policy?.TargetTrackingScalingPolicyConfiguration?.TargetValue,
                },
                target.ScalableTargetARN ?? target.ResourceId));
        }

        return observed;
    }

    private static Dictionary<string, string> ToDictionary<T>(IEnumerable<T>? items, Func<T, string?> key, Func<T, string?> value)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            if (key(item) is { } k)
            {
                result[k] = value(item) ?? "";
            }
        }

        return result;
    }
}

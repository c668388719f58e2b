using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.ServiceDefaults;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;

namespace Aspire.Deployer.Resources;

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
    public override ResourceKind Kind => TargetGroupKind.Instance;

    /// <inheritdoc />
    public override string Describe() =>
        $"{Protocol} {Num(Port)}, {TargetType} targets in {VpcId}, health {HealthCheck.Protocol} {HealthCheck.Path} every {Num(HealthCheck.IntervalSeconds)} s " +
        $"(timeout {Num(HealthCheck.TimeoutSeconds)} s, healthy {Num(HealthCheck.HealthyThreshold)}, unhealthy {Num(HealthCheck.UnhealthyThreshold)}, matcher {HealthCheck.Matcher}), " +
        string.Join(", ", Attributes.Select(a => $"{a.Key}={a.Value}"));
}

/// <summary>
/// Target groups, one per service with an external endpoint: IP targets on the container port, health-checked on the service contract's
/// readiness path with its (short) timings, and a deregistration delay equal to the app's drain bound. What AWS cannot
/// change in place (port, protocol, VPC, target type) is part of the name, so a change makes the new group beside the
/// old one: the service moves to it, the listener follows once it has healthy targets, and the old group is deleted
/// after the rollout.
/// </summary>
public sealed partial class TargetGroupKind : ResourceKind<TargetGroupSpec>, IRemovesStrays
{
    /// <summary>The attribute holding how long the load balancer lets in-flight requests of a deregistering target
    /// finish: the app's own drain bound (<see cref="RolloutTimings.DeregistrationDelaySeconds"/>).</summary>
    public const string DeregistrationDelayAttribute = "deregistration_delay.timeout_seconds";

    private const string FixedTargetGroup = "AWS cannot change a target group's protocol, port, VPC or target type";

    /// <summary>The kind.</summary>
    public static TargetGroupKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "TargetGroup";

    /// <inheritdoc />
    public override string Label => "target group";

    /// <inheritdoc />
    public override BatchTagReader BatchTags => ElbV2Tags.Instance;

    /// <summary>The name of a service's target group in a VPC (what AWS cannot change in place is part of it).</summary>
    /// <param name="service">The service.</param>
    /// <param name="vpcId">The VPC.</param>
    public static string NameOf(ServiceDescription service, string vpcId)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Names.TargetGroupFor("HTTP", service.ContainerPort, vpcId, "ip");
    }

    /// <inheritdoc />
    protected override IEnumerable<TargetGroupSpec> DesiredSpecs(DesiredContext context) =>
        context.LoadBalanced.Select(service => SpecOf(service, context.Network.VpcId));

    // The group a service with an external endpoint has (and the shape an older one of a service without is read in).
    private static TargetGroupSpec SpecOf(ServiceDescription service, string vpcId) =>
        new(NameOf(service, vpcId), service.Names.Resource, service.Names.Tags, "HTTP", service.ContainerPort, vpcId, "ip",
            new HealthCheckSpec("HTTP", service.HealthCheckPath, ServiceContract.HealthCheck.IntervalSeconds, ServiceContract.HealthCheck.TimeoutSeconds,
                ServiceContract.HealthCheck.HealthyThreshold, ServiceContract.HealthCheck.UnhealthyThreshold, ServiceContract.HealthCheck.SuccessCodes),
            new Dictionary<string, string> { [DeregistrationDelayAttribute] = RolloutTimings.DeregistrationDelaySeconds(service).ToString(CultureInfo.InvariantCulture) });

    /// <summary>The target group of this name, or null.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="name">Its name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static async Task<Elb.TargetGroup?> DescribeAsync(AwsSession session, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            var response = await session.ElbV2.DescribeTargetGroupsAsync(new Elb.DescribeTargetGroupsRequest { Names = [name] }, cancellationToken).ConfigureAwait(false);
            return response.TargetGroups?.FirstOrDefault(g => g.TargetGroupName == name);
        }
        catch (AwsApiException e) when (e.ErrorCode == "TargetGroupNotFound")
        {
            return null;
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (elb, ct) = (context.Session.ElbV2, context.CancellationToken);
        var specs = context.DesiredOf<TargetGroupSpec>();
        var all = context.Desired.Deployment.Services.Count == 0 ? [] : await elb.DescribeTargetGroupsItemsAsync(new Elb.DescribeTargetGroupsRequest(), ct).ToListAsync(ct).ConfigureAwait(false);
        var found = new List<ObservedResource>();
        // Every service, so the group of one that no longer has an external endpoint is read, and deleted once it moved.
        foreach (var service in context.Desired.Deployment.Services)
        {
            var name = NameOf(service, context.Desired.Network.VpcId);
            var spec = specs.SingleOrDefault(s => s.Name == name) ?? SpecOf(service, context.Desired.Network.VpcId);
            foreach (var group in all.Where(g => g.TargetGroupArn is not null && IsStemOf(service.Names, g.TargetGroupName)))
            {
                // The service's group for other settings (an older port or VPC, or the name before hashes): read
                // so the plan deletes it once the service has moved; its tags (read in the batch) decide.
                var attributes = group.TargetGroupName == name
                    ? await elb.DescribeTargetGroupAttributesAsync(new Elb.DescribeTargetGroupAttributesRequest { TargetGroupArn = group.TargetGroupArn! }, ct).ConfigureAwait(false)
                    : null;
                found.Add(new ObservedResource(Observed(spec with { Name = group.TargetGroupName! }, group, attributes), group.TargetGroupArn!));
            }
        }

        return found;
    }

    private static TargetGroupSpec Observed(TargetGroupSpec spec, Elb.TargetGroup group, Elb.DescribeTargetGroupAttributesResponse? attributes) => spec with
    {
        Tags = new Dictionary<string, string>(),
        Protocol = group.Protocol ?? "",
        Port = group.Port ?? 0,
        VpcId = group.VpcId ?? "",
        TargetType = group.TargetType ?? "",
        HealthCheck = new HealthCheckSpec(group.HealthCheckProtocol ?? "", group.HealthCheckPath ?? "", group.HealthCheckIntervalSeconds ?? 0,
            group.HealthCheckTimeoutSeconds ?? 0, group.HealthyThresholdCount ?? 0, group.UnhealthyThresholdCount ?? 0, group.Matcher?.HttpCode ?? ""),
        Attributes = Tags.ToDictionary(attributes?.Attributes, a => a.Key, a => a.Value),
    };

    // The stem itself (the name before hashes) or the stem cut to 26 characters and a 5-hex hash.
    private static bool IsStemOf(Model.AwsNames names, string? groupName)
    {
        if (groupName is null)
        {
            return false;
        }

        var stem = names.TargetGroup[..Math.Min(names.TargetGroup.Length, 26)].TrimEnd('-');
        return groupName == names.TargetGroup || (groupName.Length == stem.Length + 6 && groupName.StartsWith(stem + "-", StringComparison.Ordinal) && HashSuffix().IsMatch(groupName[^5..]));
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-f]{5}$")]
    private static partial System.Text.RegularExpressions.Regex HashSuffix();

    /// <inheritdoc />
    public bool IsStray(ObservedResource resource, DesiredState desired)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(desired);
        // Only a group tagged as this service's, of this app and environment, is deleted; anything else is left.
        var owner = desired.Deployment.Services.FirstOrDefault(s => s.Names.Resource == resource.Spec.Owner);
        return owner is not null && !Tags.Differ(owner.Names.Tags, resource.Spec.Tags);
    }

    /// <inheritdoc />
    public string StrayReason(ObservedResource resource) => "replaced by the group for the new settings; deleted once the service runs behind that one";

    /// <inheritdoc />
    protected override void Compare(TargetGroupSpec desired, TargetGroupSpec current, Diff diff)
    {
        diff.Compare("protocol", current.Protocol, desired.Protocol, FixedTargetGroup);
        diff.Compare("port", current.Port, desired.Port, FixedTargetGroup);
        diff.Compare("VPC", current.VpcId, desired.VpcId, FixedTargetGroup);
        diff.Compare("target type", current.TargetType, desired.TargetType, FixedTargetGroup);
        var (c, d) = (current.HealthCheck, desired.HealthCheck);
        diff.Compare("health check protocol", c.Protocol, d.Protocol);
        diff.Compare("health check path", c.Path, d.Path);
        diff.Compare("health check interval", c.IntervalSeconds, d.IntervalSeconds);
        diff.Compare("health check timeout", c.TimeoutSeconds, d.TimeoutSeconds);
        diff.Compare("healthy threshold", c.HealthyThreshold, d.HealthyThreshold);
        diff.Compare("unhealthy threshold", c.UnhealthyThreshold, d.UnhealthyThreshold);
        diff.Compare("health check matcher", c.Matcher, d.Matcher);
        diff.Map("attribute", current.Attributes, desired.Attributes, desiredKeysOnly: true);
    }

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<TargetGroupSpec> change, ApplyContext context)
    {
        var (spec, elb, ct) = (change.Desired, context.Session.ElbV2, context.CancellationToken);
        var group = await Converge.CreateOrFindAsync(["DuplicateTargetGroupName"],
            async () => (await elb.CreateTargetGroupAsync(new Elb.CreateTargetGroupRequest
            {
                Name = spec.Name,
                Protocol = spec.Protocol,
                Port = spec.Port,
                VpcId = spec.VpcId,
                TargetType = spec.TargetType,
                HealthCheckProtocol = spec.HealthCheck.Protocol,
                HealthCheckPath = spec.HealthCheck.Path,
                HealthCheckIntervalSeconds = spec.HealthCheck.IntervalSeconds,
                HealthCheckTimeoutSeconds = spec.HealthCheck.TimeoutSeconds,
                HealthyThresholdCount = spec.HealthCheck.HealthyThreshold,
                UnhealthyThresholdCount = spec.HealthCheck.UnhealthyThreshold,
                Matcher = new Elb.Matcher { HttpCode = spec.HealthCheck.Matcher },
                Tags = Tags.ToList(spec.Tags, (k, v) => new Elb.Tag { Key = k, Value = v }),
            }, ct).ConfigureAwait(false)).TargetGroups![0],
            async () => await DescribeAsync(context.Session, spec.Name, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Target group {spec.Name} exists (DuplicateTargetGroupName) but could not be described.")).ConfigureAwait(false);
        Made(context, spec.Name, group.TargetGroupArn!);
        await AttributesAsync(spec, null, context).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task UpdateAsync(Change<TargetGroupSpec> change, ApplyContext context)
    {
        var (spec, current, elb, ct) = (change.Desired, change.Current!, context.Session.ElbV2, context.CancellationToken);
        var arn = change.Observed!.Id;
        if (current.HealthCheck != spec.HealthCheck)
        {
            await elb.ModifyTargetGroupAsync(new Elb.ModifyTargetGroupRequest
            {
                TargetGroupArn = arn,
                HealthCheckProtocol = spec.HealthCheck.Protocol,
                HealthCheckPath = spec.HealthCheck.Path,
                HealthCheckIntervalSeconds = spec.HealthCheck.IntervalSeconds,
                HealthCheckTimeoutSeconds = spec.HealthCheck.TimeoutSeconds,
                HealthyThresholdCount = spec.HealthCheck.HealthyThreshold,
                UnhealthyThresholdCount = spec.HealthCheck.UnhealthyThreshold,
                Matcher = new Elb.Matcher { HttpCode = spec.HealthCheck.Matcher },
            }, ct).ConfigureAwait(false);
        }

        await AttributesAsync(spec, current, context).ConfigureAwait(false);
        if (change.TagsDiffer)
        {
            await LoadBalancerKind.AddTagsAsync(context.Session, arn, spec.Tags, ct).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override async Task DeleteStrayAsync(PlannedChange change, ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        context.Info($"Deleting target group {change.Name} ({change.Reason})");
        // A listener or the service's last deployment may hold it a little longer: ResourceInUse is waited out.
        await Converge.RetryWhileAsync($"target group {change.Name} is still in use",
            () => Converge.TolerateAsync(() => context.Session.ElbV2.DeleteTargetGroupAsync(new Elb.DeleteTargetGroupRequest { TargetGroupArn = change.CurrentId! }, context.CancellationToken),
                "TargetGroupNotFound"),
            e => e.ErrorCode == "ResourceInUse", StillInUse, context.Info, context.CancellationToken).ConfigureAwait(false);
    }

    private static readonly RetryBudget StillInUse = new(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));

    private async Task AttributesAsync(TargetGroupSpec spec, TargetGroupSpec? current, ApplyContext context)
    {
        var attributes = spec.Attributes.Where(a => current?.Attributes.GetValueOrDefault(a.Key) != a.Value).ToList();
        if (attributes.Count > 0)
        {
            await context.Session.ElbV2.ModifyTargetGroupAttributesAsync(new Elb.ModifyTargetGroupAttributesRequest
            {
                TargetGroupArn = context.Id(this, spec.Name),
                Attributes = [.. attributes.Select(a => new Elb.TargetGroupAttribute { Key = a.Key, Value = a.Value })],
            }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        var owned = await ElbV2Tags.OwnedAsync(context).ConfigureAwait(false);
        return [.. owned.TargetGroups.Select(g => new FoundResource(this, g.TargetGroupName ?? g.TargetGroupArn!, g.TargetGroupArn!, IsPerService: true))];
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        await context.RetryWhileInUseAsync(resource,
            () => Converge.TolerateAsync(() => context.Session.ElbV2.DeleteTargetGroupAsync(new Elb.DeleteTargetGroupRequest { TargetGroupArn = resource.Id }, context.CancellationToken),
                "TargetGroupNotFound"),
            "ResourceInUse").ConfigureAwait(false);
        context.Removed(resource, $"removed target group {resource.Name}");
    }
}

using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using AutoScalingApi = Aspire.Deployer.Aws.ApplicationAutoScaling;

namespace Aspire.Deployer.Resources;

/// <summary>Target-tracking autoscaling of a service's desired count on average CPU: a scalable target and its policy.</summary>
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
    public override ResourceKind Kind => AutoScalingKind.Instance;

    /// <inheritdoc />
    public override string Describe() =>
        $"{Num(MinCount)}-{Num(MaxCount)} tasks, policy {PolicyName} keeps CPU at {TargetCpuPercent?.ToString(CultureInfo.InvariantCulture) ?? "?"} %";
}

/// <summary>
/// Application Auto Scaling of a service's desired count (target tracking on average CPU), when the service asks for
/// it. Every service's scalable target is read, so one left from an earlier deploy is planned for deletion. Scalable
/// targets carry no tags of ours: destroy recognizes them by the app's clusters and services.
/// </summary>
public sealed class AutoScalingKind : ResourceKind<AutoScalingSpec>, IRemovesStrays
{
    /// <summary>The kind.</summary>
    public static AutoScalingKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "AutoScaling";

    /// <inheritdoc />
    public override string Label => "autoscaling";

    /// <inheritdoc />
    public bool IsStray(ObservedResource resource, DesiredState desired) => true; // read only for the model's services

    /// <inheritdoc />
    public string StrayReason(ObservedResource resource) => "autoscaling is no longer configured for this service";

    /// <inheritdoc />
    protected override bool ComparesTags => false;

    /// <summary>The Application Auto Scaling resource id of a service.</summary>
    /// <param name="names">The service's names.</param>
    public static string ScalableTargetId(AwsNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return $"service/{names.Cluster}/{names.Service}";
    }

    /// <summary>The name of a service's CPU target-tracking policy.</summary>
    /// <param name="names">The service's names.</param>
    public static string ScalingPolicyName(AwsNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return $"{names.Service}-cpu";
    }

    /// <inheritdoc />
    protected override IEnumerable<AutoScalingSpec> DesiredSpecs(DesiredContext context) =>
        context.Services.Where(s => s.Options.AutoScaling is not null).Select(s => new AutoScalingSpec(ScalableTargetId(s.Names), s.Names.Resource,
            new Dictionary<string, string>(), s.Options.AutoScaling!.MinCount, s.Options.AutoScaling.MaxCount, ScalingPolicyName(s.Names), s.Options.AutoScaling.TargetCpuPercent));

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = context.Desired.Deployment.Services;
        if (services.Count == 0)
        {
            return [];
        }

        var (scaling, ct) = (context.Session.AutoScaling, context.CancellationToken);
        var wanted = context.DesiredOf<AutoScalingSpec>().ToDictionary(s => s.Name, StringComparer.Ordinal);
        var targets = await scaling.DescribeScalableTargetsItemsAsync(new AutoScalingApi.DescribeScalableTargetsRequest
        {
            ServiceNamespace = AutoScalingApi.ServiceNamespace.Ecs,
            ResourceIds = [.. services.Select(s => ScalableTargetId(s.Names))],
            ScalableDimension = AutoScalingApi.ScalableDimension.EcsServiceDesiredCount,
        }, ct).ToListAsync(ct).ConfigureAwait(false);

        var observed = new List<ObservedResource>();
        foreach (var target in targets)
        {
            var service = services.First(s => ScalableTargetId(s.Names) == target.ResourceId);
            var policyName = ScalingPolicyName(service.Names);
            var policies = await scaling.DescribeScalingPoliciesItemsAsync(new AutoScalingApi.DescribeScalingPoliciesRequest
            {
                ServiceNamespace = AutoScalingApi.ServiceNamespace.Ecs,
                ResourceId = target.ResourceId,
                ScalableDimension = AutoScalingApi.ScalableDimension.EcsServiceDesiredCount,
            }, ct).ToListAsync(ct).ConfigureAwait(false);
            var policy = policies.FirstOrDefault(p => p.PolicyName == policyName);
            var spec = wanted.TryGetValue(target.ResourceId, out var desired)
                ? desired
                : new AutoScalingSpec(target.ResourceId, service.Names.Resource, new Dictionary<string, string>(), 0, 0, policyName, null);
            observed.Add(new ObservedResource(
                spec with { MinCount = target.MinCapacity, MaxCount = target.MaxCapacity, TargetCpuPercent = policy?.TargetTrackingScalingPolicyConfiguration?.TargetValue },
                target.ScalableTargetARN ?? target.ResourceId));
        }

        return observed;
    }

    /// <inheritdoc />
    protected override void Compare(AutoScalingSpec desired, AutoScalingSpec current, Diff diff)
    {
        diff.Compare("min tasks", current.MinCount, desired.MinCount);
        diff.Compare("max tasks", current.MaxCount, desired.MaxCount);
        diff.Compare("policy", current.TargetCpuPercent is null ? null : current.PolicyName, desired.PolicyName);
        diff.Compare("target CPU %", current.TargetCpuPercent?.ToString(CultureInfo.InvariantCulture), desired.TargetCpuPercent?.ToString(CultureInfo.InvariantCulture));
    }

    /// <inheritdoc />
    protected override Task CreateAsync(Change<AutoScalingSpec> change, ApplyContext context) => PutAsync(change.Desired, context);

    /// <inheritdoc />
    protected override Task UpdateAsync(Change<AutoScalingSpec> change, ApplyContext context) => PutAsync(change.Desired, context);

    // Both calls are upserts.
    private static async Task PutAsync(AutoScalingSpec spec, ApplyContext context)
    {
        var (scaling, ct) = (context.Session.AutoScaling, context.CancellationToken);
        await scaling.RegisterScalableTargetAsync(new AutoScalingApi.RegisterScalableTargetRequest
        {
            ServiceNamespace = AutoScalingApi.ServiceNamespace.Ecs,
            ResourceId = spec.Name,
            ScalableDimension = AutoScalingApi.ScalableDimension.EcsServiceDesiredCount,
            MinCapacity = spec.MinCount,
            MaxCapacity = spec.MaxCount,
        }, ct).ConfigureAwait(false);
        await scaling.PutScalingPolicyAsync(new AutoScalingApi.PutScalingPolicyRequest
        {
            PolicyName = spec.PolicyName,
            ServiceNamespace = AutoScalingApi.ServiceNamespace.Ecs,
            ResourceId = spec.Name,
            ScalableDimension = AutoScalingApi.ScalableDimension.EcsServiceDesiredCount,
            PolicyType = AutoScalingApi.PolicyType.TargetTrackingScaling,
            TargetTrackingScalingPolicyConfiguration = new AutoScalingApi.TargetTrackingScalingPolicyConfiguration
            {
                TargetValue = spec.TargetCpuPercent ?? throw new InvalidOperationException($"Autoscaling of {spec.Name} has no CPU target."),
                PredefinedMetricSpecification = new AutoScalingApi.PredefinedMetricSpecification { PredefinedMetricType = AutoScalingApi.MetricType.ECSServiceAverageCPUUtilization },
            },
        }, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task DeleteStrayAsync(PlannedChange change, ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        context.Info($"Deleting autoscaling {change.Name} ({change.Reason})");
        await Converge.TolerateAsync(() => context.Session.AutoScaling.DeregisterScalableTargetAsync(Deregister(change.Name), context.CancellationToken),
            "ObjectNotFoundException").ConfigureAwait(false);
    }

    private static AutoScalingApi.DeregisterScalableTargetRequest Deregister(string resourceId) => new()
    {
        ServiceNamespace = AutoScalingApi.ServiceNamespace.Ecs,
        ResourceId = resourceId,
        ScalableDimension = AutoScalingApi.ScalableDimension.EcsServiceDesiredCount,
    };

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // A target is the app's when it scales one of the app's services, or a service of the app's naming in the
        // app's cluster that is gone already (left by an interrupted destroy).
        var clusters = await ClusterKind.ClustersAsync(context).ConfigureAwait(false);
        var clusterNames = clusters.Select(c => c.Name).Append(context.Scope.Stack).ToHashSet(StringComparer.Ordinal);
        var serviceIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cluster in clusters)
        {
            serviceIds.UnionWith((await EcsServiceKind.ServicesInAsync(context, cluster.Name).ConfigureAwait(false)).Ours.Select(s => $"service/{cluster.Name}/{s.Resource.Name}"));
        }

        var targets = await context.Session.AutoScaling.DescribeScalableTargetsItemsAsync(new AutoScalingApi.DescribeScalableTargetsRequest
        {
            ServiceNamespace = AutoScalingApi.ServiceNamespace.Ecs,
            ScalableDimension = AutoScalingApi.ScalableDimension.EcsServiceDesiredCount,
        }, context.CancellationToken).ToListAsync(context.CancellationToken).ConfigureAwait(false);

        var result = new List<FoundResource>();
        foreach (var target in targets)
        {
            if (target.ResourceId.Split('/') is not ["service", var cluster, var service] || !clusterNames.Contains(cluster))
            {
                continue;
            }

            if (serviceIds.Contains(target.ResourceId)
                || (service.StartsWith(context.Scope.Stack + "-", StringComparison.Ordinal) && !await ServiceExistsAsync(context, cluster, service).ConfigureAwait(false)))
            {
                result.Add(new FoundResource(this, target.ResourceId, target.ScalableTargetARN ?? target.ResourceId, cluster, IsPerService: true));
            }
        }

        return result;
    }

    private static async Task<bool> ServiceExistsAsync(FindContext context, string cluster, string service)
    {
        try
        {
            var response = await context.Session.Ecs.DescribeServicesAsync(new Aws.Ecs.DescribeServicesRequest { Cluster = cluster, Services = [service] },
                context.CancellationToken).ConfigureAwait(false);
            return response.Services?.Any(s => s.ServiceName == service && s.Status != "INACTIVE") ?? false;
        }
        catch (AwsApiException e) when (e.ErrorCode == "ClusterNotFoundException")
        {
            return false;
        }
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        var (scaling, ct) = (context.Session.AutoScaling, context.CancellationToken);
        var policies = await scaling.DescribeScalingPoliciesItemsAsync(new AutoScalingApi.DescribeScalingPoliciesRequest
        {
            ServiceNamespace = AutoScalingApi.ServiceNamespace.Ecs,
            ResourceId = resource.Name,
            ScalableDimension = AutoScalingApi.ScalableDimension.EcsServiceDesiredCount,
        }, ct).ToListAsync(ct).ConfigureAwait(false);
        foreach (var policy in policies)
        {
            await Converge.TolerateAsync(() => scaling.DeleteScalingPolicyAsync(new AutoScalingApi.DeleteScalingPolicyRequest
            {
                PolicyName = policy.PolicyName,
                ServiceNamespace = AutoScalingApi.ServiceNamespace.Ecs,
                ResourceId = resource.Name,
                ScalableDimension = AutoScalingApi.ScalableDimension.EcsServiceDesiredCount,
            }, ct), "ObjectNotFoundException").ConfigureAwait(false);
            context.Progress.Info($"deleted scaling policy {policy.PolicyName}");
        }

        await Converge.TolerateAsync(() => scaling.DeregisterScalableTargetAsync(Deregister(resource.Name), ct), "ObjectNotFoundException").ConfigureAwait(false);
        context.Removed(resource, $"deregistered autoscaling target {resource.Name}");
    }
}

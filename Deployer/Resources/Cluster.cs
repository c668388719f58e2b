using Aspire.Deployer.Engine;
using Ecs = Aspire.Deployer.Aws.Ecs;

namespace Aspire.Deployer.Resources;

/// <summary>An ECS cluster.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Owner">Null: the app's services share it.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="ContainerInsights">The containerInsights setting (<c>enabled</c>; <c>enhanced</c> also satisfies it).</param>
public sealed record ClusterSpec(string Name, string? Owner, IReadOnlyDictionary<string, string> Tags, string ContainerInsights)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ClusterKind.Instance;

    /// <inheritdoc />
    public override string Describe() => $"containerInsights {ContainerInsights}";
}

/// <summary>
/// The ECS cluster of an app and environment, with Container Insights on (Security Hub ECS.12). Destroy keeps it
/// when it holds services that are not the app's.
/// </summary>
public sealed class ClusterKind : ResourceKind<ClusterSpec>
{
    /// <summary>The value of the cluster's containerInsights setting (Security Hub ECS.12).</summary>
    public const string ContainerInsights = "enabled";

    private const int DescribeBatch = 100;

    /// <summary>The kind.</summary>
    public static ClusterKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "Cluster";

    /// <inheritdoc />
    public override string Label => "ECS cluster";

    /// <inheritdoc />
    protected override IEnumerable<ClusterSpec> DesiredSpecs(DesiredContext context) =>
        context.Services.Count == 0 ? [] : [new ClusterSpec(context.Services[0].Names.Cluster, null, context.Services[0].Names.SharedTags, ContainerInsights)];

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var found = new List<ObservedResource>();
        foreach (var spec in context.DesiredOf<ClusterSpec>())
        {
            // DescribeClusters does not fail for a missing cluster: it lists it under failures with reason MISSING.
            var response = await context.Session.Ecs.DescribeClustersAsync(new Ecs.DescribeClustersRequest
            {
                Clusters = [spec.Name],
                Include = [Ecs.ClusterField.Settings, Ecs.ClusterField.Tags],
            }, context.CancellationToken).ConfigureAwait(false);
            if (response.Clusters?.FirstOrDefault(c => c.ClusterName == spec.Name && c.Status != "INACTIVE") is { ClusterArn: { } arn } cluster)
            {
                var insights = cluster.Settings?.FirstOrDefault(s => s.Name == Ecs.ClusterSettingName.ContainerInsights)?.Value ?? "disabled";
                found.Add(new ObservedResource(spec with { Tags = EcsTags(cluster.Tags), ContainerInsights = insights }, arn));
            }
        }

        return found;
    }

    /// <inheritdoc />
    protected override void Compare(ClusterSpec desired, ClusterSpec current, Diff diff)
    {
        if (!Satisfies(current.ContainerInsights, desired.ContainerInsights))
        {
            diff.Compare("containerInsights", current.ContainerInsights, desired.ContainerInsights);
        }
    }

    // "enhanced" observability includes what "enabled" gives.
    private static bool Satisfies(string current, string desired) => current == desired || (desired == "enabled" && current == "enhanced");

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<ClusterSpec> change, ApplyContext context)
    {
        var spec = change.Desired;
        // CreateCluster is idempotent for an ACTIVE cluster of the same name.
        await ServiceLinkedRoleKind.RetryUntilAssumableAsync($"create ECS cluster {spec.Name}", async () =>
        {
            var created = await context.Session.Ecs.CreateClusterAsync(new Ecs.CreateClusterRequest
            {
                ClusterName = spec.Name,
                Settings = [new Ecs.ClusterSetting { Name = Ecs.ClusterSettingName.ContainerInsights, Value = spec.ContainerInsights }],
                Tags = AwsTags(spec.Tags),
            }, context.CancellationToken).ConfigureAwait(false);
            Made(context, spec.Name, created.Cluster?.ClusterArn ?? spec.Name);
        }, context).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task UpdateAsync(Change<ClusterSpec> change, ApplyContext context)
    {
        var (spec, current, ecs, ct) = (change.Desired, change.Current!, context.Session.Ecs, context.CancellationToken);
        if (!Satisfies(current.ContainerInsights, spec.ContainerInsights))
        {
            await ecs.UpdateClusterAsync(new Ecs.UpdateClusterRequest
            {
                Cluster = spec.Name,
                Settings = [new Ecs.ClusterSetting { Name = Ecs.ClusterSettingName.ContainerInsights, Value = spec.ContainerInsights }],
            }, ct).ConfigureAwait(false);
        }

        if (change.TagsDiffer)
        {
            await ecs.TagResourceAsync(new Ecs.TagResourceRequest { ResourceArn = change.Observed!.Id, Tags = AwsTags(spec.Tags) }, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The app's clusters that are not INACTIVE (normally one, named <c>{app}-{environment}</c>), asked once per find.</summary>
    /// <param name="context">The find context.</param>
    public static Task<IReadOnlyList<FoundResource>> ClustersAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Shared.GetAsync<IReadOnlyList<FoundResource>>("ecs:clusters", async () =>
        {
            var (ecs, ct) = (context.Session.Ecs, context.CancellationToken);
            var arns = await ecs.ListClustersItemsAsync(new Ecs.ListClustersRequest(), ct).ToListAsync(ct).ConfigureAwait(false);
            var result = new List<FoundResource>();
            foreach (var batch in arns.Chunk(DescribeBatch))
            {
                var response = await ecs.DescribeClustersAsync(new Ecs.DescribeClustersRequest { Clusters = batch, Include = [Ecs.ClusterField.Tags] }, ct).ConfigureAwait(false);
                result.AddRange((response.Clusters ?? [])
                    .Where(c => c is { ClusterName: not null, ClusterArn: not null } && c.Status != "INACTIVE" && context.Scope.Owns(EcsTags(c.Tags)))
                    .Select(c => new FoundResource(Instance, c.ClusterName!, c.ClusterArn!, State: c.Status)));
            }

            return result;
        });
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = new List<FoundResource>();
        foreach (var cluster in await ClustersAsync(context).ConfigureAwait(false))
        {
            var services = await EcsServiceKind.ServicesInAsync(context, cluster.Name).ConfigureAwait(false);
            context.Blockers.AddRange(services.Others.Select(o => $"ECS service {o} in cluster {cluster.Name} is not tagged as this app's: it is left alone, and so is the cluster"));
            result.Add(services.Others.Count > 0 ? cluster with { KeptBecause = "it still holds services that are not this app's" } : cluster);
        }

        return result;
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        // Tasks of just-deleted services may still be stopping: ECS refuses until they are gone.
        await context.RetryWhileInUseAsync(resource,
            () => Converge.TolerateAsync(() => context.Session.Ecs.DeleteClusterAsync(new Ecs.DeleteClusterRequest { Cluster = resource.Name }, context.CancellationToken),
                "ClusterNotFoundException"),
            "ClusterContainsServicesException", "ClusterContainsTasksException", "UpdateInProgressException").ConfigureAwait(false);
        context.Removed(resource, $"removed ECS cluster {resource.Name}");
    }

    /// <summary>ECS tags as a dictionary.</summary>
    /// <param name="tags">ECS's tag list.</param>
    internal static Dictionary<string, string> EcsTags(IEnumerable<Ecs.Tag>? tags) => Tags.ToDictionary(tags, t => t.Key, t => t.Value);

    /// <summary>A dictionary as ECS's tag list.</summary>
    /// <param name="tags">The tags.</param>
    internal static List<Ecs.Tag> AwsTags(IReadOnlyDictionary<string, string> tags) => Tags.ToList(tags, (k, v) => new Ecs.Tag { Key = k, Value = v });
}

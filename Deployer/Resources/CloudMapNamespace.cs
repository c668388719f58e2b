using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Sd = Aspire.Deployer.Aws.ServiceDiscovery;

namespace Aspire.Deployer.Resources;

/// <summary>An AWS Cloud Map namespace: where ECS Service Connect names the services that call each other.</summary>
/// <param name="Name">The namespace's name (<c>{app}-{environment}</c>).</param>
/// <param name="Owner">Null: the app's services share it.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="Type"><c>HTTP</c>: instances found by API calls, what Service Connect uses (no Route 53 zone); AWS cannot change it.</param>
public sealed record CloudMapNamespaceSpec(string Name, string? Owner, IReadOnlyDictionary<string, string> Tags, string Type)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => CloudMapNamespaceKind.Instance;

    /// <inheritdoc />
    public override string Describe() => $"{Type} namespace for ECS Service Connect";
}

/// <summary>
/// The Cloud Map namespace of an app and environment, made when one of its services references another (ECS Service
/// Connect names the callees in it). Creating and deleting one are asynchronous operations, each waited for within a
/// bound. Destroy removes the namespace after the services, and first the Cloud Map services ECS left in it.
/// </summary>
public sealed class CloudMapNamespaceKind : ResourceKind<CloudMapNamespaceSpec>
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan OperationPoll = TimeSpan.FromSeconds(1);

    /// <summary>The kind.</summary>
    public static CloudMapNamespaceKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "CloudMapNamespace";

    /// <inheritdoc />
    public override string Label => "Cloud Map namespace";

    /// <inheritdoc />
    protected override IEnumerable<CloudMapNamespaceSpec> DesiredSpecs(DesiredContext context)
    {
        var deployment = context.Deployment;
        if (deployment.Services.FirstOrDefault(deployment.UsesServiceConnect) is { } service)
        {
            yield return new CloudMapNamespaceSpec(service.Names.Namespace, null, service.Names.SharedTags, Sd.NamespaceType.Http);
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var found = new List<ObservedResource>();
        foreach (var spec in context.DesiredOf<CloudMapNamespaceSpec>())
        {
            if (await FindByNameAsync(context.Session, spec.Name, context.CancellationToken).ConfigureAwait(false) is { Arn: { } arn } ns)
            {
                found.Add(new ObservedResource(spec with { Tags = await TagsAsync(context.Session, arn, context.CancellationToken).ConfigureAwait(false), Type = ns.Type ?? "" }, arn));
            }
        }

        return found;
    }

    // moto makes a second namespace of the same name where Cloud Map refuses; the app's (tagged) one is preferred.
    private static async Task<Sd.NamespaceSummary?> FindByNameAsync(AwsSession session, string name, CancellationToken ct)
    {
        var request = new Sd.ListNamespacesRequest { Filters = [new Sd.NamespaceFilter { Name = Sd.NamespaceFilterName.Name, Values = [name], Condition = Sd.FilterCondition.Eq }] };
        var matches = await session.ServiceDiscovery.ListNamespacesItemsAsync(request, ct).Where(n => n.Name == name && n.Arn is not null).ToListAsync(ct).ConfigureAwait(false);
        return matches.OrderBy(n => n.CreateDate).FirstOrDefault();
    }

    private static async Task<Dictionary<string, string>> TagsAsync(AwsSession session, string arn, CancellationToken ct) =>
        Tags.ToDictionary((await session.ServiceDiscovery.ListTagsForResourceAsync(new Sd.ListTagsForResourceRequest { ResourceARN = arn }, ct).ConfigureAwait(false)).Tags,
            t => t.Key, t => t.Value);

    /// <inheritdoc />
    protected override void Compare(CloudMapNamespaceSpec desired, CloudMapNamespaceSpec current, Diff diff) =>
        diff.Compare("type", current.Type, desired.Type, "AWS cannot change a namespace's type");

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<CloudMapNamespaceSpec> change, ApplyContext context)
    {
        var (spec, sd, ct) = (change.Desired, context.Session.ServiceDiscovery, context.CancellationToken);
        async Task<string?> FindAsync() => (await FindByNameAsync(context.Session, spec.Name, ct).ConfigureAwait(false))?.Arn;
        // Cloud Map refuses a second namespace of the name (NamespaceAlreadyExists); moto makes one: each attempt is
        // sent once and a lost answer's namespace is found by its name.
        var arn = await Converge.CreateOrFindAsync(["NamespaceAlreadyExists", "DuplicateRequest"],
            () => Converge.CreateOnceAsync(context.Session, async () =>
            {
                var operation = await sd.CreateHttpNamespaceAsync(new Sd.CreateHttpNamespaceRequest
                {
                    Name = spec.Name,
                    CreatorRequestId = spec.Name,
                    Description = $"ECS Service Connect names of {spec.Name}",
                    Tags = [.. spec.Tags.Select(t => new Sd.Tag { Key = t.Key, Value = t.Value })],
                }, ct).ConfigureAwait(false);
                var id = await WaitAsync(context.Session, operation.OperationId!, Sd.OperationTargetType.Namespace, $"creating namespace {spec.Name}",
                    m => new InvalidOperationException(m + "."), ct).ConfigureAwait(false);
                return (await sd.GetNamespaceAsync(new Sd.GetNamespaceRequest { Id = id }, ct).ConfigureAwait(false)).Namespace?.Arn
                    ?? throw new InvalidOperationException($"Cloud Map made namespace {id} but does not describe it.");
            }, FindAsync, ct),
            async () => await FindAsync().ConfigureAwait(false) ?? throw new InvalidOperationException($"Cloud Map says namespace {spec.Name} exists, but lists none of that name.")).ConfigureAwait(false);
        Made(context, spec.Name, arn);
    }

    /// <inheritdoc />
    protected override async Task UpdateAsync(Change<CloudMapNamespaceSpec> change, ApplyContext context)
    {
        var arn = change.Observed!.Id;
        Made(context, change.Desired.Name, arn);
        if (change.TagsDiffer)
        {
            await context.Session.ServiceDiscovery.TagResourceAsync(new Sd.TagResourceRequest
            {
                ResourceARN = arn,
                Tags = [.. change.Desired.Tags.Select(t => new Sd.Tag { Key = t.Key, Value = t.Value })],
            }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    // Waits for an asynchronous Cloud Map operation; its target's id (the namespace's) when it succeeded.
    private static async Task<string> WaitAsync(AwsSession session, string operationId, string target, string what, Func<string, Exception> failed, CancellationToken ct)
    {
        Sd.Operation? operation = null;
        await Converge.WaitUntilAsync(async () =>
        {
            operation = (await session.ServiceDiscovery.GetOperationAsync(new Sd.GetOperationRequest { OperationId = operationId }, ct).ConfigureAwait(false)).Operation;
            return operation?.Status is Sd.OperationStatus.Success or Sd.OperationStatus.Fail;
        }, OperationTimeout, OperationPoll, () => failed(string.Create(CultureInfo.InvariantCulture,
            $"Cloud Map was still {what} after {OperationTimeout.TotalMinutes:0} minutes (operation {operationId}); run it again")), ct).ConfigureAwait(false);
        return operation!.Status == Sd.OperationStatus.Success
            ? operation.Targets?.GetValueOrDefault(target) ?? ""
            : throw failed($"Cloud Map failed {what}: {operation.ErrorCode} {operation.ErrorMessage}");
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (session, scope, ct) = (context.Session, context.Scope, context.CancellationToken);
        var result = new List<FoundResource>();
        await foreach (var ns in session.ServiceDiscovery.ListNamespacesItemsAsync(new Sd.ListNamespacesRequest(), ct).ConfigureAwait(false))
        {
            if (ns is { Name: { } name, Arn: { } arn } && name == scope.Stack && scope.Owns(await TagsAsync(session, arn, ct).ConfigureAwait(false)))
            {
                result.Add(new FoundResource(this, name, arn, ns.Id));
            }
        }

        return result;
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        var (sd, ct) = (context.Session.ServiceDiscovery, context.CancellationToken);
        var id = resource.Parent ?? resource.Id[(resource.Id.LastIndexOf('/') + 1)..];
        // The Cloud Map services ECS made for Service Connect live in the namespace; a namespace with services cannot go.
        var filter = new Sd.ServiceFilter { Name = Sd.ServiceFilterName.NamespaceId, Values = [id], Condition = Sd.FilterCondition.Eq };
        foreach (var service in await sd.ListServicesItemsAsync(new Sd.ListServicesRequest { Filters = [filter] }, ct).ToListAsync(ct).ConfigureAwait(false))
        {
            await context.RetryWhileInUseAsync(resource, () => Converge.TolerateAsync(() => sd.DeleteServiceAsync(new Sd.DeleteServiceRequest { Id = service.Id! }, ct), "ServiceNotFound"),
                "ResourceInUse").ConfigureAwait(false);
            context.Progress.Info($"removed Cloud Map service {service.Name} of namespace {resource.Name}");
        }

        try
        {
            string? operation = null;
            await context.RetryWhileInUseAsync(resource, async () => operation = (await sd.DeleteNamespaceAsync(new Sd.DeleteNamespaceRequest { Id = id }, ct).ConfigureAwait(false)).OperationId,
                "ResourceInUse").ConfigureAwait(false);
            await WaitAsync(context.Session, operation!, Sd.OperationTargetType.Namespace, $"deleting namespace {resource.Name}",
                m => new DestroyException($"Destroy stopped at {resource}: {m}.", resource, [.. context.RemovedResources]), ct).ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == "NamespaceNotFound")
        {
            // already gone
        }

        context.Removed(resource, $"removed Cloud Map namespace {resource.Name}");
    }
}

using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ecr = Aspire.Deployer.Aws.Ecr;

namespace Aspire.Deployer.Resources;

/// <summary>An ECR repository.</summary>
/// <param name="Name">The repository name.</param>
/// <param name="Owner">The Aspire resource whose image it holds.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="ScanOnPush">Scan each pushed image for vulnerabilities.</param>
/// <param name="ImmutableTags">Refuse to overwrite an existing tag.</param>
/// <param name="LifecyclePolicy">The lifecycle policy's JSON, or null for none.</param>
public sealed record EcrRepositorySpec(string Name, string? Owner, IReadOnlyDictionary<string, string> Tags, bool ScanOnPush, bool ImmutableTags, string? LifecyclePolicy)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => EcrRepositoryKind.Instance;

    /// <inheritdoc />
    public override string Describe() =>
        $"scan on push {(ScanOnPush ? "on" : "off")}, {(ImmutableTags ? "immutable" : "mutable")} tags, {EcrLifecyclePolicy.Describe(LifecyclePolicy)}";
}

/// <summary>
/// The lifecycle policy every repository gets (Security Hub ECR.3): untagged images expire a week after their push,
/// and of the tagged ones the newest <see cref="KeepImages"/> stay, enough for any rollback (each deploy pushes one
/// tag per changed image), so a repository does not grow for ever. The image step sets it on the repositories it
/// makes; the deploy converges it on every repository.
/// </summary>
public static class EcrLifecyclePolicy
{
    /// <summary>How many tagged images each repository keeps.</summary>
    public const int KeepImages = 30;

    /// <summary>Days an untagged image is kept after its push.</summary>
    public const int UntaggedDays = 7;

    /// <summary>The policy's JSON, as sent to <c>PutLifecyclePolicy</c>.</summary>
    public static string Text { get; } = new JsonObject
    {
        ["rules"] = new JsonArray(
            Rule(1, $"expire untagged images {UntaggedDays} days after their push", new JsonObject
            {
                ["tagStatus"] = "untagged", ["countType"] = "sinceImagePushed", ["countUnit"] = "days", ["countNumber"] = UntaggedDays,
            }),
            Rule(2, $"keep the newest {KeepImages} tagged images", new JsonObject
            {
                ["tagStatus"] = "tagged", ["tagPatternList"] = new JsonArray("*"), ["countType"] = "imageCountMoreThan", ["countNumber"] = KeepImages,
            })),
    }.ToJsonString();

    /// <summary>Whether two policies say the same (ECR may give back the text reformatted).</summary>
    /// <param name="left">A policy's JSON, or null.</param>
    /// <param name="right">Another, or null.</param>
    public static bool Same(string? left, string? right) =>
        left is null || right is null ? left == right : JsonNode.DeepEquals(Parse(left), Parse(right));

    /// <summary>How the plan shows a policy: this one by its rules, none, or another one.</summary>
    /// <param name="policy">A policy's JSON, or null.</param>
    public static string Describe(string? policy) => policy switch
    {
        null => "no lifecycle policy",
        _ when Same(policy, Text) => $"keeps {KeepImages} tagged images, untagged {UntaggedDays} days",
        _ => "another lifecycle policy",
    };

    private static JsonNode? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static JsonObject Rule(int priority, string description, JsonObject selection) => new()
    {
        ["rulePriority"] = priority, ["description"] = description, ["selection"] = selection, ["action"] = new JsonObject { ["type"] = "expire" },
    };
}

/// <summary>
/// ECR repositories, one per image the images step builds: scan on push, immutable tags and <see cref="EcrLifecyclePolicy"/> (the
/// image step also converges them before it pushes). Destroy removes them with their images.
/// </summary>
public sealed class EcrRepositoryKind : ResourceKind<EcrRepositorySpec>
{
    /// <summary>The kind.</summary>
    public static EcrRepositoryKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "EcrRepository";

    /// <inheritdoc />
    public override string Label => "ECR repository";

    /// <inheritdoc />
    protected override IEnumerable<EcrRepositorySpec> DesiredSpecs(DesiredContext context) =>
        context.Services.Where(s => s.IsBuilt).Select(s => new EcrRepositorySpec(s.Names.Repository, s.Names.Resource, s.Names.Tags, ScanOnPush: true, ImmutableTags: true, EcrLifecyclePolicy.Text));

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var found = new List<ObservedResource>();
        foreach (var spec in context.DesiredOf<EcrRepositorySpec>())
        {
            if (await ReadOneAsync(context, spec).ConfigureAwait(false) is { } observed)
            {
                found.Add(observed);
            }
        }

        return found;
    }

    private static async Task<ObservedResource?> ReadOneAsync(ReadContext context, EcrRepositorySpec spec)
    {
        var (ecr, ct) = (context.Session.Ecr, context.CancellationToken);
        Ecr.Repository? repository;
        try
        {
            var response = await ecr.DescribeRepositoriesAsync(new Ecr.DescribeRepositoriesRequest { RepositoryNames = [spec.Name] }, ct).ConfigureAwait(false);
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

        var tags = await ecr.ListTagsForResourceAsync(new Ecr.ListTagsForResourceRequest { ResourceArn = arn }, ct).ConfigureAwait(false);
        string? policy = null;
        try
        {
            policy = (await ecr.GetLifecyclePolicyAsync(new Ecr.GetLifecyclePolicyRequest { RepositoryName = spec.Name }, ct).ConfigureAwait(false)).LifecyclePolicyText;
        }
        catch (AwsApiException e) when (e.ErrorCode == "LifecyclePolicyNotFoundException")
        {
            // none yet
        }

        return new ObservedResource(
            spec with
            {
                Tags = Tags.ToDictionary(tags.Tags, t => t.Key, t => t.Value),
                ScanOnPush = repository.ImageScanningConfiguration?.ScanOnPush ?? false,
                ImmutableTags = repository.ImageTagMutability is Ecr.ImageTagMutability.Immutable or "IMMUTABLE_WITH_EXCLUSION",
                LifecyclePolicy = EcrLifecyclePolicy.Same(policy, spec.LifecyclePolicy) ? spec.LifecyclePolicy : policy,
            },
            arn,
            repository.RepositoryUri);
    }

    /// <inheritdoc />
    protected override void Compare(EcrRepositorySpec desired, EcrRepositorySpec current, Diff diff)
    {
        diff.Compare("scan on push", current.ScanOnPush, desired.ScanOnPush);
        diff.Compare("tag mutability", Mutability(current.ImmutableTags), Mutability(desired.ImmutableTags));
        diff.Compare("lifecycle policy", EcrLifecyclePolicy.Describe(current.LifecyclePolicy), EcrLifecyclePolicy.Describe(desired.LifecyclePolicy));
    }

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<EcrRepositorySpec> change, ApplyContext context)
    {
        var (spec, ecr, ct) = (change.Desired, context.Session.Ecr, context.CancellationToken);
        try
        {
            var created = await ecr.CreateRepositoryAsync(new Ecr.CreateRepositoryRequest
            {
                RepositoryName = spec.Name,
                ImageTagMutability = TagMutability(spec),
                ImageScanningConfiguration = new Ecr.ImageScanningConfiguration { ScanOnPush = spec.ScanOnPush },
                Tags = AwsTags(spec),
            }, ct).ConfigureAwait(false);
            Made(context, spec.Name, created.Repository?.RepositoryArn ?? spec.Name);
            if (spec.LifecyclePolicy is { } policy)
            {
                // A crash before this call leaves a repository without the policy; the next plan shows it as an update.
                await ecr.PutLifecyclePolicyAsync(new Ecr.PutLifecyclePolicyRequest { RepositoryName = spec.Name, LifecyclePolicyText = policy }, ct).ConfigureAwait(false);
            }
        }
        catch (AwsApiException e) when (e.ErrorCode == "RepositoryAlreadyExistsException")
        {
            // Made by an earlier, interrupted run (or the image step): converge every setting, its state unknown.
            var found = await ecr.DescribeRepositoriesAsync(new Ecr.DescribeRepositoriesRequest { RepositoryNames = [spec.Name] }, ct).ConfigureAwait(false);
            Made(context, spec.Name, found.Repositories?.FirstOrDefault()?.RepositoryArn ?? spec.Name);
            await ConvergeAsync(change with { Current = null }, context).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override Task UpdateAsync(Change<EcrRepositorySpec> change, ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(change);
        return ConvergeAsync(change, context);
    }

    // Sends only what differs (everything when the current state is unknown).
    private async Task ConvergeAsync(Change<EcrRepositorySpec> change, ApplyContext context)
    {
        var (spec, current, ecr, ct) = (change.Desired, change.Current, context.Session.Ecr, context.CancellationToken);
        if (current is null || current.ScanOnPush != spec.ScanOnPush)
        {
            await ecr.PutImageScanningConfigurationAsync(new Ecr.PutImageScanningConfigurationRequest
            {
                RepositoryName = spec.Name,
                ImageScanningConfiguration = new Ecr.ImageScanningConfiguration { ScanOnPush = spec.ScanOnPush },
            }, ct).ConfigureAwait(false);
        }

        if (current is null || current.ImmutableTags != spec.ImmutableTags)
        {
            await ecr.PutImageTagMutabilityAsync(new Ecr.PutImageTagMutabilityRequest { RepositoryName = spec.Name, ImageTagMutability = TagMutability(spec) }, ct)
                .ConfigureAwait(false);
        }

        if (spec.LifecyclePolicy is { } policy && (current is null || !EcrLifecyclePolicy.Same(current.LifecyclePolicy, policy)))
        {
            await ecr.PutLifecyclePolicyAsync(new Ecr.PutLifecyclePolicyRequest { RepositoryName = spec.Name, LifecyclePolicyText = policy }, ct).ConfigureAwait(false);
        }

        if (change.TagsDiffer)
        {
            await ecr.TagResourceAsync(new Ecr.TagResourceRequest { ResourceArn = context.Id(this, spec.Name), Tags = AwsTags(spec) }, ct).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (ecr, scope, ct) = (context.Session.Ecr, context.Scope, context.CancellationToken);
        var result = new List<FoundResource>();
        await foreach (var repository in ecr.DescribeRepositoriesItemsAsync(new Ecr.DescribeRepositoriesRequest(), ct).ConfigureAwait(false))
        {
            if (repository is not { RepositoryName: { } name, RepositoryArn: { } arn } || !name.StartsWith(scope.RepositoryPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                var tags = await ecr.ListTagsForResourceAsync(new Ecr.ListTagsForResourceRequest { ResourceArn = arn }, ct).ConfigureAwait(false);
                if (scope.Owns(Tags.ToDictionary(tags.Tags, t => t.Key, t => t.Value)))
                {
                    result.Add(new FoundResource(this, name, arn, IsPerService: true));
                }
            }
            catch (AwsApiException e) when (e.ErrorCode == "RepositoryNotFoundException")
            {
                // gone since it was listed
            }
        }

        return result;
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        var (ecr, ct) = (context.Session.Ecr, context.CancellationToken);
        var images = 0;
        try
        {
            images = await ecr.DescribeImagesItemsAsync(new Ecr.DescribeImagesRequest { RepositoryName = resource.Name }, ct).CountAsync(ct).ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == "RepositoryNotFoundException")
        {
            // gone meanwhile; the delete below says so too
        }

        await Converge.TolerateAsync(() => ecr.DeleteRepositoryAsync(new Ecr.DeleteRepositoryRequest { RepositoryName = resource.Name, Force = true }, ct),
            "RepositoryNotFoundException").ConfigureAwait(false);
        context.Removed(resource, $"removed ECR repository {resource.Name} with force: its {images} image(s) were deleted with it");
    }

    private static string Mutability(bool immutable) => immutable ? "IMMUTABLE" : "MUTABLE";

    private static string TagMutability(EcrRepositorySpec spec) => spec.ImmutableTags ? Ecr.ImageTagMutability.Immutable : Ecr.ImageTagMutability.Mutable;

    private static List<Ecr.Tag> AwsTags(EcrRepositorySpec spec) => Tags.ToList(spec.Tags, (k, v) => new Ecr.Tag { Key = k, Value = v });
}

using System.Security.Cryptography;
using System.Text;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Sm = Aspire.Deployer.Aws.SecretsManager;

namespace Aspire.Deployer.Resources;

/// <summary>A Secrets Manager secret. Its value is compared by hash only: the plan, the output and every other request see neither.</summary>
/// <param name="Name">The secret's name, under <c>{app}/{environment}/</c>.</param>
/// <param name="Owner">The Aspire resource it was made for, or null for a parameter's secret the services share.</param>
/// <param name="Tags">Its tags (without the value hash).</param>
/// <param name="ValueHash">The hash of its current value (<see cref="SecretValue.HashFor"/>), kept in the tag <see cref="SecretKind.ValueHashTag"/>; null when unknown.</param>
/// <param name="ScheduledForDeletion">True when a destroy scheduled it for deletion (its recovery window still runs).</param>
public sealed record SecretSpec(string Name, string? Owner, IReadOnlyDictionary<string, string> Tags, string? ValueHash, bool ScheduledForDeletion)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <summary>The value to store (desired state only; it prints as a mask).</summary>
    public SecretValue? Value { get; init; }

    /// <summary>Where the value comes from, for the plan.</summary>
    public string Source { get; init; } = "";

    /// <summary>The services whose tasks read it.</summary>
    public IReadOnlyList<string> ReadBy { get; init; } = [];

    /// <summary>The version that is AWSCURRENT (what exists only).</summary>
    public string? CurrentVersion { get; init; }

    /// <inheritdoc />
    public override ResourceKind Kind => SecretKind.Instance;

    /// <inheritdoc />
    public override string Describe() =>
        $"value from {Source}, read by {(ReadBy.Count == 0 ? "no task (kept for the next deploy)" : string.Join(", ", ReadBy))}; compared by its hash, never shown";
}

/// <summary>
/// Secrets Manager secrets: one per secret parameter and one per variable that embeds a secret. The value's hash is a
/// tag, so an unchanged value makes no call and a changed one stores exactly one new version (its
/// <c>ClientRequestToken</c> derived from the value and the version it replaces, so a retried call makes no second
/// one); the services that read it then roll (<see cref="RollsTasks"/>). Destroy schedules them for deletion with
/// Secrets Manager's recovery window, or deletes them at once with <c>Aws:DeleteSecretsWithoutRecovery</c>; a deploy
/// restores a secret still in its window.
/// </summary>
public sealed class SecretKind : ResourceKind<SecretSpec>
{
    /// <summary>The tag holding the hash of the stored value.</summary>
    public const string ValueHashTag = "aspire:value-hash";

    /// <summary>Days a destroyed secret can still be restored (Secrets Manager's default).</summary>
    public const int RecoveryWindowDays = 30;

    private const string ValueProperty = "value";

    /// <summary>The kind.</summary>
    public static SecretKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "Secret";

    /// <inheritdoc />
    public override string Label => "secret";

    /// <summary>True when the change stores a new version or restores the secret: tasks read secrets at start, so the services that read it roll.</summary>
    /// <param name="change">The secret's planned change.</param>
    public static bool RollsTasks(PlannedChange? change) =>
        change is { Action: ChangeAction.Update } && change.Changes.Any(c => c.Property is ValueProperty or "state");

    /// <inheritdoc />
    protected override IEnumerable<SecretSpec> DesiredSpecs(DesiredContext context)
    {
        var deployment = context.Deployment;
        foreach (var secret in deployment.Secrets)
        {
            var tags = secret.Owner is { } owner ? new AwsNames(deployment.App, deployment.Environment, owner).Tags : AwsNames.SharedTagsOf(deployment.App, deployment.Environment);
            var value = deployment.ValueOf(secret);
            yield return new SecretSpec(secret.Name, secret.Owner, tags, value.HashFor(secret.Name), ScheduledForDeletion: false)
            {
                Value = value,
                Source = secret.Source,
                ReadBy = secret.ReadBy,
            };
        }
    }

    /// <summary>
    /// The deployment with each generated parameter's value replaced by the one an earlier deploy stored (read-only
    /// calls), so a Redis password Aspire generates stays the same from one deploy (and machine) to the next.
    /// </summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="deployment">The deployment.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public static async Task<DeploymentDescription> KeepGeneratedAsync(AwsSession session, DeploymentDescription deployment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(deployment);
        var parameters = deployment.Parameters.ToDictionary(StringComparer.Ordinal);
        foreach (var generated in deployment.Parameters.Values.Where(p => p.Generated))
        {
            try
            {
                var stored = await session.SecretsManager.GetSecretValueAsync(
                    new Sm.GetSecretValueRequest { SecretId = AwsNames.ParameterSecret(deployment.App, deployment.Environment, generated.Name) }, cancellationToken).ConfigureAwait(false);
                if (stored.SecretString is { Length: > 0 } value)
                {
                    parameters[generated.Name] = generated with { Value = new SecretValue(value) };
                }
            }
            catch (AwsApiException e) when (e.ErrorCode is "ResourceNotFoundException" or "InvalidRequestException")
            {
                // not stored yet, or scheduled for deletion (unreadable): the freshly generated value is stored
            }
        }

        return deployment with { Parameters = parameters };
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var found = new List<ObservedResource>();
        foreach (var spec in context.DesiredOf<SecretSpec>())
        {
            if (await DescribeAsync(context.Session, spec, context.CancellationToken).ConfigureAwait(false) is { } observed)
            {
                found.Add(observed);
            }
        }

        return found;
    }

    private static async Task<ObservedResource?> DescribeAsync(AwsSession session, SecretSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            var secret = await session.SecretsManager.DescribeSecretAsync(new Sm.DescribeSecretRequest { SecretId = spec.Name }, cancellationToken).ConfigureAwait(false);
            var tags = Tags.ToDictionary(secret.Tags, t => t.Key, t => t.Value);
            var hash = tags.Remove(ValueHashTag, out var h) ? h : null;
            var current = secret.VersionIdsToStages?.FirstOrDefault(v => v.Value.Contains("AWSCURRENT")).Key;
            return new ObservedResource(
                spec with { Tags = tags, ValueHash = hash, ScheduledForDeletion = secret.DeletedDate is not null, Value = null, CurrentVersion = current },
                secret.ARN ?? spec.Name);
        }
        catch (AwsApiException e) when (e.ErrorCode == "ResourceNotFoundException")
        {
            return null;
        }
    }

    /// <inheritdoc />
    protected override void Compare(SecretSpec desired, SecretSpec current, Diff diff)
    {
        diff.Compare("state", current.ScheduledForDeletion ? "scheduled for deletion" : "active", "active");
        if (current.ValueHash != desired.ValueHash)
        {
            // Never the value, nor its hash: only that it changed.
            diff.Compare(ValueProperty, current.ValueHash is null ? "not known" : "stored version", "new version");
        }
    }

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<SecretSpec> change, ApplyContext context)
    {
        var (spec, ct) = (change.Desired, context.CancellationToken);
        try
        {
            var created = await context.Session.SecretsManager.CreateSecretAsync(new Sm.CreateSecretRequest
            {
                Name = spec.Name,
                Description = $"{spec.Source}; made by {AwsNames.ManagedByValue}",
                SecretString = Value(spec),
                ClientRequestToken = Token(spec.ValueHash!, null),
                Tags = AwsTags(spec),
            }, ct).ConfigureAwait(false);
            Made(context, spec.Name, created.ARN ?? throw new InvalidOperationException($"CreateSecret for {spec.Name} returned no ARN."));
            context.Info($"  stored secret {spec.Name}");
        }
        catch (AwsApiException e) when (e.ErrorCode is "ResourceExistsException" or "InvalidRequestException")
        {
            // Made by an interrupted run, or scheduled for deletion by a destroy: converge what is there.
            var observed = await DescribeAsync(context.Session, spec, ct).ConfigureAwait(false) ?? throw new InvalidOperationException(
                $"Secrets Manager refused to create secret {spec.Name} ({e.ErrorCode}: {e.AwsMessage}) but does not describe it.", e);
            Made(context, spec.Name, observed.Id);
            await ConvergeAsync(spec, (SecretSpec)observed.Spec, observed.Id, context).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override Task UpdateAsync(Change<SecretSpec> change, ApplyContext context)
    {
        Made(context, change.Desired.Name, change.Observed!.Id);
        return ConvergeAsync(change.Desired, change.Current!, change.Observed.Id, context);
    }

    // Restores, stores a new version when the value changed, and sets the tags (with the value's hash) when they differ.
    private static async Task ConvergeAsync(SecretSpec spec, SecretSpec current, string arn, ApplyContext context)
    {
        var (sm, ct) = (context.Session.SecretsManager, context.CancellationToken);
        if (current.ScheduledForDeletion)
        {
            await sm.RestoreSecretAsync(new Sm.RestoreSecretRequest { SecretId = arn }, ct).ConfigureAwait(false);
            context.Info($"  restored secret {spec.Name} (a destroy had scheduled it for deletion)");
        }

        var changed = current.ValueHash != spec.ValueHash;
        if (changed)
        {
            await sm.PutSecretValueAsync(new Sm.PutSecretValueRequest
            {
                SecretId = arn,
                SecretString = Value(spec),
                ClientRequestToken = Token(spec.ValueHash!, current.CurrentVersion),
            }, ct).ConfigureAwait(false);
            context.Info($"  stored a new version of secret {spec.Name}");
        }

        if (changed || Engine.Tags.Differ(spec.Tags, current.Tags))
        {
            await sm.TagResourceAsync(new Sm.TagResourceRequest { SecretId = arn, Tags = AwsTags(spec) }, ct).ConfigureAwait(false);
        }
    }

    private static string Value(SecretSpec spec) =>
        spec.Value?.Reveal() ?? throw new InvalidOperationException($"Secret {spec.Name} has no value to store.");

    // The version's id: the same for a retry of the same change, another for the next change (even back to an older value).
    private static string Token(string valueHash, string? replacing) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{valueHash}/{replacing}")));

    private static List<Sm.Tag> AwsTags(SecretSpec spec) =>
        [.. spec.Tags.Select(t => new Sm.Tag { Key = t.Key, Value = t.Value }), new Sm.Tag { Key = ValueHashTag, Value = spec.ValueHash }];

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Secrets scheduled for deletion are not listed: destroy is done with them.
        var request = new Sm.ListSecretsRequest { Filters = [new Sm.Filter { Key = Sm.FilterNameStringType.Name, Values = [context.Scope.SecretPrefix] }] };
        var result = new List<FoundResource>();
        await foreach (var secret in context.Session.SecretsManager.ListSecretsItemsAsync(request, context.CancellationToken).ConfigureAwait(false))
        {
            var tags = Tags.ToDictionary(secret.Tags, t => t.Key, t => t.Value);
            if (secret is { Name: { } name, ARN: { } arn } && name.StartsWith(context.Scope.SecretPrefix, StringComparison.Ordinal) && context.Scope.Owns(tags))
            {
                result.Add(new FoundResource(this, name, arn, IsPerService: tags.ContainsKey(AwsNames.TagKeys.Resource)));
            }
        }

        return result;
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        var now = context.Options.DeleteSecretsWithoutRecovery;
        await Converge.TolerateAsync(() => context.Session.SecretsManager.DeleteSecretAsync(new Sm.DeleteSecretRequest
        {
            SecretId = resource.Id,
            ForceDeleteWithoutRecovery = now ? true : null,
            RecoveryWindowInDays = now ? null : RecoveryWindowDays,
        }, context.CancellationToken), "ResourceNotFoundException").ConfigureAwait(false);
        context.Removed(resource, now
            ? $"deleted secret {resource.Name} without recovery"
            : $"scheduled secret {resource.Name} for deletion in {RecoveryWindowDays} days (the next deploy restores it; Aws:DeleteSecretsWithoutRecovery=true deletes at once)");
    }
}

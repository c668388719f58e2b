using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Settings;

namespace Aspire.Deployer.Engine;

/// <summary>What a kind's find sees: the app and environment, the session, queries shared with other kinds.</summary>
/// <param name="session">The AWS session (read-only calls only).</param>
/// <param name="scope">The app and environment.</param>
/// <param name="cancellationToken">Cancels the calls.</param>
public sealed class FindContext(AwsSession session, AppScope scope, CancellationToken cancellationToken)
{
    /// <summary>The AWS session.</summary>
    public AwsSession Session => session;

    /// <summary>The app and environment.</summary>
    public AppScope Scope => scope;

    /// <summary>The region looked in.</summary>
    public string Region => session.Region.SystemName;

    /// <summary>Cancels the calls.</summary>
    public CancellationToken CancellationToken => cancellationToken;

    /// <summary>Queries several kinds share (the app's services, the app's load balancers).</summary>
    public SharedQueries Shared { get; } = new();

    /// <summary>Resources that are not the app's but stand in the way of removing one of its own (named in the output).</summary>
    public List<string> Blockers { get; } = [];
}

/// <summary>Everything found for an app and environment, in removal order, plus what stands in the way.</summary>
/// <param name="Resources">The app's resources, in removal order.</param>
/// <param name="Blockers">Resources that are not the app's but would keep one of its resources from going.</param>
public sealed record AppInventory(IReadOnlyList<FoundResource> Resources, IReadOnlyList<string> Blockers)
{
    /// <summary>True when nothing of the app exists.</summary>
    public bool IsEmpty => Resources.Count == 0;

    /// <summary>The resources of one kind.</summary>
    /// <param name="kind">The kind.</param>
    public IReadOnlyList<FoundResource> OfKind(ResourceKind kind) => [.. Resources.Where(r => r.Kind == kind)];
}

/// <summary>What a kind's delete sees: the session, progress, waits and retries, and what was removed so far.</summary>
/// <param name="session">The AWS session.</param>
/// <param name="progress">Where a line per resource goes.</param>
/// <param name="options">Waits and retries.</param>
/// <param name="cancellationToken">Cancels the calls and waits.</param>
public sealed class DestroyContext(AwsSession session, IDeployProgress progress, DestroyOptions options, CancellationToken cancellationToken)
{
    /// <summary>The AWS session.</summary>
    public AwsSession Session => session;

    /// <summary>Where a line per resource goes.</summary>
    public IDeployProgress Progress => progress;

    /// <summary>Waits and retries.</summary>
    public DestroyOptions Options => options;

    /// <summary>Cancels the calls and waits.</summary>
    public CancellationToken CancellationToken => cancellationToken;

    /// <summary>What was removed, in order.</summary>
    public List<FoundResource> RemovedResources { get; } = [];

    /// <summary>Records a removed resource and says so.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="line">What was done.</param>
    public void Removed(FoundResource resource, string line)
    {
        RemovedResources.Add(resource);
        progress.Info(line);
    }

    /// <summary>Runs the removal of one resource; an AWS refusal becomes a <see cref="DestroyException"/> naming the
    /// resource, the code and what to do.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="action">The removal.</param>
    public async Task GuardAsync(FoundResource resource, Func<Task> action)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (AwsApiException e)
        {
            throw new DestroyException(
                $"Destroy stopped at {resource}: {e.Service} {e.Operation} failed with {e.ErrorCode}: {e.AwsMessage}. {DestroyAdvice.For(e)} " +
                $"Removed before this: {RemovedResources.Count} resource(s). Run destroy again when fixed: it continues with what is left.",
                resource, [.. RemovedResources], e.ErrorCode, e);
        }
    }

    /// <summary>Waits until a resource AWS removes asynchronously is gone, within <paramref name="timeout"/>.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="timeout">The bound.</param>
    /// <param name="gone">True once it is gone.</param>
    /// <param name="advice">What to do when it is still there.</param>
    public Task WaitGoneAsync(FoundResource resource, TimeSpan timeout, Func<Task<bool>> gone, string advice) =>
        Converge.WaitUntilAsync(gone, timeout, options.PollInterval, () => new DestroyException(
            string.Create(CultureInfo.InvariantCulture,
                $"Destroy stopped at {resource}: it was still there after {timeout.TotalSeconds:0} s; {advice}. Removed before this: {RemovedResources.Count} resource(s)."),
            resource, [.. RemovedResources]), cancellationToken);

    /// <summary>Runs a deletion AWS refuses while something still depends on the resource, retrying with backoff
    /// within <see cref="DestroyOptions.DependencyTimeout"/>.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="delete">The deletion.</param>
    /// <param name="inUseCodes">The error codes meaning "still in use".</param>
    public Task RetryWhileInUseAsync(FoundResource resource, Func<Task> delete, params string[] inUseCodes) =>
        Converge.RetryWhileAsync(
            $"{resource} is still in use",
            delete,
            e => inUseCodes.Contains(e.ErrorCode),
            new RetryBudget(options.DependencyTimeout, options.RetryBaseDelay, options.RetryMaxDelay),
            progress.Info,
            cancellationToken);
}

/// <summary>The destroy engine: finds the app's resources kind by kind, removes them in reverse dependency order.</summary>
public static class Destroyer
{
    /// <summary>Finds every resource of the app, in removal order (the registry reversed).</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="kinds">The registry (dependencies first).</param>
    /// <param name="scope">The app and environment.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public static async Task<AppInventory> FindAsync(AwsSession session, IReadOnlyList<ResourceKind> kinds, AppScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        var context = new FindContext(session, scope, cancellationToken);
        var found = new Dictionary<ResourceKind, IReadOnlyList<FoundResource>>();
        foreach (var kind in kinds)
        {
            found[kind] = await kind.FindAsync(context).ConfigureAwait(false);
        }

        return new AppInventory([.. kinds.Reverse().SelectMany(k => found[k])], context.Blockers);
    }

    /// <summary>Removes what was found, kind by kind in removal order; resources to keep are named, not touched.</summary>
    /// <param name="inventory">What was found.</param>
    /// <param name="context">The session, progress and options.</param>
    /// <returns>Why each kept resource was kept.</returns>
    /// <exception cref="DestroyException">AWS refused a deletion or a wait ran out.</exception>
    public static async Task<IReadOnlyList<string>> RemoveAsync(AppInventory inventory, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(context);
        var kept = new List<string>();
        foreach (var group in inventory.Resources.GroupBy(r => r.Kind))
        {
            var resources = group.ToList();
            context.Progress.Step($"Destroy: {group.Key.Label} ({resources.Count})");
            foreach (var keep in resources.Where(r => r.KeptBecause is not null))
            {
                var why = $"{keep}: {keep.KeptBecause}";
                context.Progress.Warn($"kept {why}");
                kept.Add(why);
            }

            var remove = resources.Where(r => r.KeptBecause is null).ToList();
            if (remove.Count > 0)
            {
                await group.Key.DeleteAllAsync(remove, context).ConfigureAwait(false);
            }
        }

        return kept;
    }
}

/// <summary>
/// Destroy stopped: AWS refused a deletion (or a wait ran out). What was removed before stays removed; the message says
/// what failed, the AWS error code, and what to do. Destroy can simply be run again: it continues with what is left.
/// </summary>
public sealed class DestroyException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed and what to do.</param>
    /// <param name="resource">The resource being removed.</param>
    /// <param name="removed">What was removed before the failure.</param>
    /// <param name="errorCode">The AWS error code, when AWS refused.</param>
    /// <param name="innerException">The AWS failure, if any.</param>
    public DestroyException(string message, FoundResource resource, IReadOnlyList<FoundResource> removed, string? errorCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Resource = resource;
        Removed = removed;
        ErrorCode = errorCode;
    }

    /// <summary>The resource that could not be removed.</summary>
    public FoundResource Resource { get; }

    /// <summary>What was removed before the failure.</summary>
    public IReadOnlyList<FoundResource> Removed { get; }

    /// <summary>The AWS error code (e.g. <c>DependencyViolation</c>, <c>AccessDenied</c>), or null for a wait that ran out.</summary>
    public string? ErrorCode { get; }
}

/// <summary>What to do about an AWS refusal during destroy.</summary>
internal static class DestroyAdvice
{
    public static string For(AwsApiException e) => e.ErrorCode switch
    {
        var c when c.StartsWith("AccessDenied", StringComparison.Ordinal) || c is "UnauthorizedOperation" or "AccessDeniedException" =>
            $"The credentials in use may not call {e.Service} {e.Operation}: grant that permission (or use a role that has it).",
        "DependencyViolation" or "InvalidGroup.InUse" or "ResourceInUse" or "DeleteConflict" =>
            "Something outside this app still uses it (a network interface, another security group's rule, a listener of another load balancer): remove that dependency.",
        AwsApiException.NoCredentialsCode or AwsApiException.NoRegionCode or "ExpiredToken" or "ExpiredTokenException" or "InvalidClientTokenId" =>
            "Check the AWS credentials and region (AWS_PROFILE / AWS_REGION, or Aws:Region).",
        _ when e.IsThrottling || e.HttpStatus >= 500 || e.ErrorCode is AwsApiException.ConnectionFailureCode or AwsApiException.RequestTimeoutCode =>
            "AWS did not answer in time or throttled the calls; wait a moment.",
        _ => "See the AWS message above.",
    };
}

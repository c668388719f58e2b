using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;

namespace Aspire.Deployer.Verbs;

/// <summary>
/// Removes everything made for an app and environment, found by its tags, in reverse dependency order (the resource
/// registry reversed): autoscaling, services (scaled to 0, deleted, waited for until INACTIVE), task definition
/// revisions, cluster, listeners, target groups, load balancer (waited for until gone), security groups (the
/// services' first; DependencyViolation retried with backoff while AWS releases network interfaces), IAM roles
/// (policies detached first), log groups, ECR repositories (with their images). Nothing without the app's tags is
/// touched. Idempotent: with nothing left it makes no mutating call and says "Nothing to destroy"; after a partial
/// deploy or an interrupted destroy it removes whatever exists.
/// </summary>
public static class DestroyVerb
{
    /// <summary>Finds and removes the app's resources.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="scope">The app and environment.</param>
    /// <param name="progress">Where a line per resource goes.</param>
    /// <param name="options">Waits and retries; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the calls and waits.</param>
    /// <returns>What was removed and what was left, and why.</returns>
    /// <exception cref="DestroyException">AWS refused a deletion or a wait ran out; the message says what to do.</exception>
    /// <exception cref="AwsApiException">Finding the resources failed (credentials, permissions, endpoint).</exception>
    public static async Task<DestroyResult> RunAsync(AwsSession session, AppScope scope, IDeployProgress progress, DestroyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(progress);

        progress.Step($"Destroy: finding the resources of app '{scope.App}', environment '{scope.Environment}' in {session.Region.SystemName} (by tags)");
        var inventory = await Destroyer.FindAsync(session, Registry.Kinds, scope, cancellationToken).ConfigureAwait(false);
        if (inventory.IsEmpty)
        {
            var nothing = new DestroyResult(scope, [], []);
            progress.Info(nothing.SummaryLines()[0]);
            return nothing;
        }

        progress.Info($"Found {inventory.Resources.Count} resource(s): {string.Join(", ", inventory.Resources.GroupBy(r => r.Kind).Select(g => $"{g.Count()} {g.Key.Label}"))}");
        foreach (var blocker in inventory.Blockers)
        {
            progress.Warn(blocker);
        }

        var context = new DestroyContext(session, progress, options ?? new DestroyOptions(), cancellationToken);
        var kept = await Destroyer.RemoveAsync(inventory, context).ConfigureAwait(false);
        var result = new DestroyResult(scope, context.RemovedResources, kept);
        foreach (var line in result.SummaryLines())
        {
            progress.Info(line);
        }

        return result;
    }
}

using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Resources;
using Ecs = Aspire.Deployer.Aws.Ecs;

namespace Aspire.Deployer.Verbs;

/// <summary>One service put back on an earlier revision.</summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="From">The revision it ran (<c>family:revision</c>).</param>
/// <param name="To">The revision it runs now.</param>
/// <param name="Changes">What differs between the two (image, environment, size, ...).</param>
/// <param name="State">Its state when the wait ended.</param>
public sealed record RolledBackService(string Resource, string From, string To, IReadOnlyList<PropertyChange> Changes, ServiceState? State);

/// <summary>A rollback cannot be done as asked; nothing was changed.</summary>
/// <param name="message">Why, and what to do.</param>
public sealed class RollbackRefusedException(string message) : Exception(message);

/// <summary>
/// The rollback verb (as ecspresso's <c>rollback</c>): puts each of the app's services (or one) back on the task
/// definition revision before the one it runs, or on <see cref="RollbackOptions.ToRevision"/>, with one UpdateService
/// each, and waits as a deploy does (rollout COMPLETED, running = desired, targets healthy; a diagnosis when it fails).
/// Prints what the revisions differ in. Refuses, changing nothing, when there is no earlier ACTIVE revision. The
/// revisions stay registered, so a later deploy of the unchanged source goes forward again: its plan shows the
/// difference, and the deploy reuses the newer revision that matches.
/// </summary>
public static class RollbackVerb
{
    /// <summary>Rolls back.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="scope">The app and environment.</param>
    /// <param name="options">Which revision and service; how to wait.</param>
    /// <param name="progress">Where the changes and the wait go.</param>
    /// <param name="cancellationToken">Cancels the rollback (an UpdateService already sent stays sent; ECS carries it out).</param>
    /// <returns>Each service rolled back.</returns>
    /// <exception cref="RollbackRefusedException">Nothing is deployed, or there is no such earlier revision; nothing was changed.</exception>
    /// <exception cref="DeploymentWaitException">The rollback's rollout failed (with its diagnosis).</exception>
    public static async Task<IReadOnlyList<RolledBackService>> RunAsync(AwsSession session, AppScope scope, RollbackOptions options, IDeployProgress progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var services = await ServicesAsync(session, scope, options, cancellationToken).ConfigureAwait(false);
        var moves = new List<(string Resource, string Cluster, Ecs.Service Service, string Target, IReadOnlyList<PropertyChange> Changes)>();
        foreach (var (resource, cluster, service) in services)
        {
            var target = await TargetRevisionAsync(session, resource, service, options.ToRevision, cancellationToken).ConfigureAwait(false);
            moves.Add((resource, cluster, service, target, await DifferencesAsync(session, service.TaskDefinition!, target, cancellationToken).ConfigureAwait(false)));
        }

        // Every target is checked before the first change: a refusal changes nothing.
        foreach (var (resource, cluster, service, target, changes) in moves.Where(m => m.Target != m.Service.TaskDefinition))
        {
            progress.Info($"{resource}: {Arn.LastSegment(service.TaskDefinition!)} -> {Arn.LastSegment(target)}");
            foreach (var change in changes)
            {
                progress.Info($"    {change}");
            }

            await session.Ecs.UpdateServiceAsync(new Ecs.UpdateServiceRequest { Cluster = cluster, Service = service.ServiceName!, TaskDefinition = target }, cancellationToken)
                .ConfigureAwait(false);
        }

        foreach (var (resource, _, service, _, _) in moves.Where(m => m.Target == m.Service.TaskDefinition))
        {
            progress.Info($"{resource}: already on {Arn.LastSegment(service.TaskDefinition!)}; nothing to change.");
        }

        progress.Step("Wait until steady and healthy");
        var waitTargets = moves.Select(m => new WaitTarget(m.Resource, m.Cluster, m.Service.ServiceName!, m.Target, m.Service.LoadBalancers?.FirstOrDefault()?.TargetGroupArn)).ToList();
        var states = await new DeploymentWaiter(session, progress).WaitAsync(waitTargets, options.Wait, cancellationToken, DateTimeOffset.UtcNow.AddSeconds(-5)).ConfigureAwait(false);
        return [.. moves.Select(m => new RolledBackService(m.Resource, Arn.LastSegment(m.Service.TaskDefinition!), Arn.LastSegment(m.Target), m.Changes,
            states.FirstOrDefault(s => s.Resource == m.Resource)))];
    }

    // The app's ACTIVE services (by their tags), or the one asked for.
    private static async Task<List<(string Resource, string Cluster, Ecs.Service Service)>> ServicesAsync(AwsSession session, AppScope scope, RollbackOptions options, CancellationToken ct)
    {
        var context = new FindContext(session, scope, ct);
        var found = new List<(string, string, Ecs.Service)>();
        foreach (var cluster in await ClusterKind.ClustersAsync(context).ConfigureAwait(false))
        {
            var services = await EcsServiceKind.ServicesInAsync(context, cluster.Name).ConfigureAwait(false);
            found.AddRange(services.Ours.Where(s => s.Service.Status == "ACTIVE" && s.Service.TaskDefinition is not null)
                .Select(s => (ClusterKind.EcsTags(s.Service.Tags).GetValueOrDefault(AwsNames.TagKeys.Resource) ?? s.Resource.Name, cluster.Name, s.Service)));
        }

        var chosen = options.Service is { } one ? found.Where(f => string.Equals(f.Item1, one, StringComparison.OrdinalIgnoreCase)).ToList() : found;
        if (chosen.Count == 0)
        {
            throw new RollbackRefusedException(options.Service is null
                ? $"nothing to roll back: no ECS service of app '{scope.App}', environment '{scope.Environment}' is deployed."
                : $"nothing to roll back: service '{options.Service}' of app '{scope.App}', environment '{scope.Environment}' is not deployed.");
        }

        if (options.ToRevision is not null && chosen.Count > 1)
        {
            throw new RollbackRefusedException(
                $"Aws:RollbackTo names one revision, but the app has {chosen.Count} services ({string.Join(", ", chosen.Select(c => c.Item1))}); set Aws:RollbackService to the one to roll back.");
        }

        return chosen;
    }

    // The revision asked for, or the highest ACTIVE revision of the family below the one running.
    private static async Task<string> TargetRevisionAsync(AwsSession session, string resource, Ecs.Service service, int? toRevision, CancellationToken ct)
    {
        var running = service.TaskDefinition!;
        var family = Arn.FamilyOf(running)!;
        var current = Revision(running);
        var arns = await session.Ecs.ListTaskDefinitionsItemsAsync(new Ecs.ListTaskDefinitionsRequest { FamilyPrefix = family, Status = Ecs.TaskDefinitionStatus.Active }, ct)
            .ToListAsync(ct).ConfigureAwait(false);
        var revisions = arns.Where(a => Arn.FamilyOf(a) == family).ToDictionary(Revision, a => a);
        if (toRevision is { } wanted)
        {
            return revisions.TryGetValue(wanted, out var arn) || wanted == current ? arn ?? running
                : throw new RollbackRefusedException($"{resource}: {family}:{wanted.ToString(CultureInfo.InvariantCulture)} is not an ACTIVE revision " +
                    $"(ACTIVE: {string.Join(", ", revisions.Keys.Order().Select(r => r.ToString(CultureInfo.InvariantCulture)))}). Set Aws:RollbackTo to one of them.");
        }

        var earlier = revisions.Keys.Where(r => r < current).DefaultIfEmpty(0).Max();
        return earlier > 0 ? revisions[earlier]
            : throw new RollbackRefusedException($"{resource}: there is no revision of {family} before {current.ToString(CultureInfo.InvariantCulture)} to go back to " +
                $"(ACTIVE: {string.Join(", ", revisions.Keys.Order().Select(r => r.ToString(CultureInfo.InvariantCulture)))}). Nothing was changed.");
    }

    // What the target revision differs in from the running one, as a plan would show it.
    private static async Task<IReadOnlyList<PropertyChange>> DifferencesAsync(AwsSession session, string running, string target, CancellationToken ct)
    {
        if (running == target
            || await TaskDefinitionKind.ReadRevisionAsync(session, running, ct).ConfigureAwait(false) is not { } now
            || await TaskDefinitionKind.ReadRevisionAsync(session, target, ct).ConfigureAwait(false) is not { } then)
        {
            return [];
        }

        return TaskDefinitionKind.Instance.Plan(then.Spec, now with { Spec = now.Spec with { Tags = then.Spec.Tags } }, new PlanContext()).Changes;
    }

    private static int Revision(string arn) =>
        int.TryParse(arn[(arn.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
}

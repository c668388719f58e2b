using Aspire.Deployer.Aws;

namespace Aspire.Deployer.Engine;

/// <summary>
/// The plan engine: reads what exists, kind by kind in the registry's order, and compares it with the desired state,
/// resource by resource, in dependency order. It knows no resource kind; each kind reads, compares and cascades itself.
/// </summary>
public static class Planner
{
    /// <summary>Reads the current state of every desired resource (and whatever a kind plans to delete), with read-only calls.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="desired">The desired state (its kinds are read in order).</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public static async Task<CurrentState> ReadAsync(AwsSession session, DesiredState desired, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(desired);
        var context = new ReadContext(session, desired, cancellationToken);
        foreach (var kind in desired.Kinds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            context.Add(await kind.ReadAsync(context).ConfigureAwait(false));
        }

        var found = context.Found.ToList();
        // Tags read in batches shared by kinds of one API: one call for all their resources instead of one per kind.
        foreach (var reader in desired.Kinds.Select(k => k.BatchTags).OfType<BatchTagReader>().Distinct())
        {
            var indexes = Enumerable.Range(0, found.Count).Where(i => found[i].Spec.Kind.BatchTags == reader).ToList();
            if (indexes.Count == 0)
            {
                continue;
            }

            var tags = await reader.ReadAsync(session, [.. indexes.Select(i => found[i].Id)], cancellationToken).ConfigureAwait(false);
            foreach (var i in indexes)
            {
                var own = tags.GetValueOrDefault(found[i].Id) ?? new Dictionary<string, string>();
                found[i] = found[i] with { Spec = found[i].Spec with { Tags = own } };
            }
        }

        return new CurrentState(found);
    }

    /// <summary>Plans every resource of the desired state, then whatever exists but is no longer wanted. Pure: no AWS calls.</summary>
    /// <param name="desired">What AWS should look like.</param>
    /// <param name="current">What exists.</param>
    /// <returns>The changes: desired resources in dependency order, then deletions (dependents first).</returns>
    public static IReadOnlyList<PlannedChange> Compute(DesiredState desired, CurrentState current)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(current);
        var context = new PlanContext();
        var changes = new List<PlannedChange>();
        foreach (var spec in desired.Resources)
        {
            var change = spec.Kind.Plan(spec, current.Find(spec.Kind, spec.Name), context);
            context.Add(change);
            changes.Add(change);
        }

        var wanted = desired.Resources.Select(r => (r.Kind, r.Name)).ToHashSet();
        var order = desired.Kinds.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i);
        // Only kinds that remove what the model no longer wants plan deletions, and only of what they say is theirs;
        // the others' leftovers are destroy's. Deletions run after the rollout (Applier.CleanupAsync).
        changes.AddRange(current.Resources
            .Where(r => !wanted.Contains((r.Spec.Kind, r.Spec.Name)) && r.Spec.Kind is IRemovesStrays strays && strays.IsStray(r, desired))
            .OrderByDescending(r => order.GetValueOrDefault(r.Spec.Kind, -1))
            .ThenBy(r => r.Spec.Name, StringComparer.Ordinal)
            .Select(r => PlannedChange.Delete(r, ((IRemovesStrays)r.Spec.Kind).StrayReason(r))));
        return changes;
    }
}

/// <summary>
/// Implemented by kinds that delete what they read but the model no longer wants (their <c>DeleteStrayAsync</c>
/// removes it, after the rollout); the planner plans no deletion for other kinds, whose leftovers destroy removes.
/// </summary>
public interface IRemovesStrays
{
    /// <summary>True when an unwanted resource this kind read is the app's to delete (its tags say so, for example).</summary>
    /// <param name="resource">What exists but is not wanted.</param>
    /// <param name="desired">The desired state.</param>
    bool IsStray(ObservedResource resource, DesiredState desired);

    /// <summary>Why it goes, for the plan.</summary>
    /// <param name="resource">What goes.</param>
    string StrayReason(ObservedResource resource);
}

using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;

namespace Aspire.Deployer.Verbs;

/// <summary>What a destroy did.</summary>
/// <param name="Scope">The app and environment.</param>
/// <param name="Removed">What was removed, in the order it was removed.</param>
/// <param name="Kept">What was found but deliberately left (with why): it blocks nothing of the app's or is not the app's.</param>
public sealed record DestroyResult(AppScope Scope, IReadOnlyList<FoundResource> Removed, IReadOnlyList<string> Kept)
{
    /// <summary>True when nothing of the app existed, so nothing was changed.</summary>
    public bool NothingToDestroy => Removed.Count == 0 && Kept.Count == 0;

    /// <summary>True when something the app made is still there (see <see cref="Kept"/>).</summary>
    public bool IsIncomplete => Kept.Count > 0;

    /// <summary>The closing summary, one line per kind removed, e.g. "Removed 2 task definition revision(s)".</summary>
    /// <returns>The lines.</returns>
    public IReadOnlyList<string> SummaryLines()
    {
        var who = $"app '{Scope.App}', environment '{Scope.Environment}'";
        if (NothingToDestroy)
        {
            return [$"Nothing to destroy: no resource tagged for {who} exists."];
        }

        var lines = new List<string> { $"Destroyed {Removed.Count} resource(s) of {who}:" };
        foreach (var group in Removed.GroupBy(r => r.Kind))
        {
            lines.Add($"  {group.Key.Label}: {string.Join(", ", group.Select(r => r.Name))}");
        }

        foreach (var kept in Kept)
        {
            lines.Add($"  left in place: {kept}");
        }

        return lines;
    }
}

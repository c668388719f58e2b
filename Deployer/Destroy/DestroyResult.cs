namespace Aspire.Deployer.Destroy;

/// <summary>What a destroy did.</summary>
/// <param name="Scope">The app and environment.</param>
/// <param name="Removed">What was removed, in the order it was removed.</param>
/// <param name="Kept">What was found but deliberately left (with why): it blocks nothing of the app's or is not the app's.</param>
public sealed record DestroyResult(AppScope Scope, IReadOnlyList<AppResource> Removed, IReadOnlyList<string> Kept)
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
        foreach (var group in Removed.GroupBy(r => r.Kind).OrderBy(g => g.Key))
        {
            lines.Add($"  {AppResource.Label(group.Key)}: {string.Join(", ", group.Select(r => r.Name))}");
        }

        foreach (var kept in Kept)
        {
            lines.Add($"  left in place: {kept}");
        }

        return lines;
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
    public DestroyException(string message, AppResource resource, IReadOnlyList<AppResource> removed, string? errorCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Resource = resource;
        Removed = removed;
        ErrorCode = errorCode;
    }

    /// <summary>The resource that could not be removed.</summary>
    public AppResource Resource { get; }

    /// <summary>What was removed before the failure.</summary>
    public IReadOnlyList<AppResource> Removed { get; }

    /// <summary>The AWS error code (e.g. <c>DependencyViolation</c>, <c>AccessDenied</c>), or null for a wait that ran out.</summary>
    public string? ErrorCode { get; }
}

namespace Aspire.Deployer.Settings;

/// <summary>What the rollback verb puts the services back on, and how it waits.</summary>
public sealed record RollbackOptions
{
    /// <summary>The task definition revision to go back to (<c>Aws:RollbackTo</c>); null: the revision before the one running.</summary>
    public int? ToRevision { get; init; }

    /// <summary>The one Aspire resource to roll back (<c>Aws:RollbackService</c>); null: every service of the app.</summary>
    public string? Service { get; init; }

    /// <summary>How the rollback waits for the services (the deploy's wait settings).</summary>
    public WaitOptions Wait { get; init; } = new();
}

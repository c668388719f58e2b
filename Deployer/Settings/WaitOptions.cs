namespace Aspire.Deployer.Settings;

/// <summary>How long and how the deploy waits for the services to become steady and healthy.</summary>
public sealed record WaitOptions
{
    /// <summary>The most the wait lasts (<c>Aws:DeployTimeoutMinutes</c>, default 15 minutes).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Time between polls (<c>Aws:DeployPollSeconds</c>, default 10 seconds).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Require every target in the service's target group to be healthy (<c>Aws:WaitForHealthyTargets</c>, default
    /// true). Only for emulators that never health-check targets (moto): false skips that check, loudly.
    /// </summary>
    public bool RequireHealthyTargets { get; init; } = true;
}

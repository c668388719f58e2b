namespace Aspire.Deployer.Settings;

/// <summary>How long and how the deploy waits for the services to become steady and healthy.</summary>
public sealed record WaitOptions
{
    /// <summary>The most the wait lasts (<c>Aws:DeployTimeoutMinutes</c>, default 15 minutes).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Time between polls (<c>Aws:DeployPollSeconds</c>, default 10 seconds).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Time between polls once every service's new tasks run (default 2 seconds, never more than
    /// <see cref="PollInterval"/>): the rest of a rollout (target health, the old tasks' drain) ends within seconds, and a
    /// poll every 10 s would add up to 10 s to every deploy.
    /// </summary>
    public TimeSpan FastPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Require every target in the service's target group to be healthy (<c>Aws:WaitForHealthyTargets</c>, default
    /// true). Only for emulators that never health-check targets (moto): false skips that check, loudly.
    /// </summary>
    public bool RequireHealthyTargets { get; init; } = true;
}

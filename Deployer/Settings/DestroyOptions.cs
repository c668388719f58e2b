namespace Aspire.Deployer.Settings;

/// <summary>How long destroy waits where AWS removes things asynchronously, and how it retries what AWS refuses for a while.</summary>
public sealed record DestroyOptions
{
    /// <summary>How long to wait for a deleted ECS service to become INACTIVE (its tasks stop first). Default 10 minutes.</summary>
    public TimeSpan ServiceTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long to wait for a deleted load balancer to disappear. Default 5 minutes.</summary>
    public TimeSpan LoadBalancerTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long to keep retrying a deletion AWS refuses because something still depends on the resource
    /// (a security group's DependencyViolation while the load balancer's or tasks' network interfaces go away, a
    /// target group still in use, a cluster still holding draining services). Default 10 minutes.</summary>
    public TimeSpan DependencyTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often to look again while waiting. Default 5 seconds.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The first delay before retrying a refused deletion; it doubles up to <see cref="RetryMaxDelay"/>. Default 2 seconds.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest delay between retries of a refused deletion. Default 30 seconds.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Delete the app's secrets at once instead of scheduling them for deletion with Secrets Manager's
    /// 30-day recovery window (<c>Aws:DeleteSecretsWithoutRecovery</c>). Default false.</summary>
    public bool DeleteSecretsWithoutRecovery { get; init; }
}

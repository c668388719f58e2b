namespace Aspire.Deployer.Settings;

/// <summary>
/// What the cost estimate assumes where the price depends on traffic, stated in every estimate it prints. Defaults
/// fit a small, quiet app; a busy one should set them from its own CloudWatch metrics.
/// </summary>
public sealed record CostAssumptions
{
    /// <summary>
    /// Load balancer capacity units used on average (<c>Aws:CostAssumedLcu</c>, default 1). An LCU is the highest of:
    /// 25 new connections per second, 3,000 active connections per minute, 1 GB processed per hour, 1,000 rule
    /// evaluations per second; a quiet app uses a fraction of one.
    /// </summary>
    public double LoadBalancerCapacityUnits { get; init; } = 1;

    /// <summary>Log data each service sends to CloudWatch Logs per month, in GB (<c>Aws:CostAssumedLogGb</c>, default 1).</summary>
    public double LogGigabytesPerServiceMonth { get; init; } = 1;
}

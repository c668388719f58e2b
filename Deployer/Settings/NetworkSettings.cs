namespace Aspire.Deployer.Settings;

/// <summary>Where the app should run, as configured: nothing (the region's default VPC) or a VPC and/or subnets.</summary>
/// <param name="VpcId">The VPC (<c>Aws:VpcId</c>); null for the default VPC.</param>
/// <param name="SubnetIds">The subnets of both the load balancer and the tasks (<c>Aws:SubnetIds</c>); empty to choose.</param>
/// <param name="LoadBalancerSubnetIds">The load balancer's own subnets (<c>Aws:LoadBalancerSubnetIds</c>, public ones); empty: <paramref name="SubnetIds"/>.</param>
/// <param name="TaskSubnetIds">The tasks' own subnets (<c>Aws:TaskSubnetIds</c>, private ones behind NAT, say); empty: <paramref name="SubnetIds"/>.</param>
public sealed record NetworkSettings(string? VpcId, IReadOnlyList<string> SubnetIds, IReadOnlyList<string>? LoadBalancerSubnetIds = null, IReadOnlyList<string>? TaskSubnetIds = null)
{
    /// <summary>No VPC and no subnets configured: the default VPC.</summary>
    public static NetworkSettings Default { get; } = new(null, []);

    /// <summary>The load balancer's subnets as configured (its own, else the shared ones); empty: choose.</summary>
    public IReadOnlyList<string> ForLoadBalancer => LoadBalancerSubnetIds is { Count: > 0 } own ? own : SubnetIds;

    /// <summary>The tasks' subnets as configured (their own, else the shared ones); empty: choose.</summary>
    public IReadOnlyList<string> ForTasks => TaskSubnetIds is { Count: > 0 } own ? own : SubnetIds;
}

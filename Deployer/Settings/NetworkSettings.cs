namespace Aspire.Deployer.Settings;

/// <summary>Where the app should run, as configured: nothing (the region's default VPC) or a VPC and/or subnets.</summary>
/// <param name="VpcId">The VPC (<c>Aws:VpcId</c>); null for the default VPC.</param>
/// <param name="SubnetIds">The subnets (<c>Aws:SubnetIds</c>); empty to choose one per availability zone.</param>
public sealed record NetworkSettings(string? VpcId, IReadOnlyList<string> SubnetIds)
{
    /// <summary>No VPC and no subnets configured: the default VPC.</summary>
    public static NetworkSettings Default { get; } = new(null, []);
}

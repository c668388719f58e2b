namespace Aspire.Deployer.Network;

/// <summary>Where a subnet's default route (0.0.0.0/0) goes, from its route table (the VPC's main one when it has none of its own).</summary>
public enum SubnetRoute
{
    /// <summary>To an internet gateway: a public subnet.</summary>
    InternetGateway,

    /// <summary>Somewhere else (a NAT gateway, a transit gateway, an appliance): a private subnet with a way out.</summary>
    Egress,

    /// <summary>No default route: a private subnet without a way out (images need VPC endpoints).</summary>
    None,
}

/// <summary>One subnet the load balancer or the tasks use.</summary>
/// <param name="SubnetId">The subnet id.</param>
/// <param name="AvailabilityZone">Its availability zone.</param>
/// <param name="IsPublic">True when its default route goes to an internet gateway (the mark of a public subnet).</param>
/// <param name="ZoneId">Its zone's id (e.g. <c>use1-az1</c>), when known.</param>
/// <param name="Route">Where its default route goes.</param>
public sealed record NetworkSubnet(string SubnetId, string AvailabilityZone, bool IsPublic, string? ZoneId = null, SubnetRoute? Route = null)
{
    /// <summary>Where its default route goes (from <see cref="IsPublic"/> when not given).</summary>
    public SubnetRoute DefaultRoute => Route ?? (IsPublic ? SubnetRoute.InternetGateway : SubnetRoute.Egress);
}

/// <summary>
/// The network the app runs in, checked: a VPC, the load balancer's public subnets in at least two availability
/// zones (one per zone), and the tasks' subnets (the same, or private ones in the same zones).
/// </summary>
/// <param name="VpcId">The VPC.</param>
/// <param name="IsDefaultVpc">True when it is the region's default VPC.</param>
/// <param name="Subnets">The load balancer's subnets, ordered by availability zone.</param>
/// <param name="Tasks">The tasks' subnets, ordered by availability zone; null: the load balancer's.</param>
public sealed record ResolvedNetwork(string VpcId, bool IsDefaultVpc, IReadOnlyList<NetworkSubnet> Subnets, IReadOnlyList<NetworkSubnet>? Tasks = null)
{
    /// <summary>The load balancer's subnet ids, in order.</summary>
    public IReadOnlyList<string> SubnetIds => [.. Subnets.Select(s => s.SubnetId)];

    /// <summary>The tasks' subnets.</summary>
    public IReadOnlyList<NetworkSubnet> TaskSubnets => Tasks ?? Subnets;

    /// <summary>The tasks' subnet ids, in order.</summary>
    public IReadOnlyList<string> TaskSubnetIds => [.. TaskSubnets.Select(s => s.SubnetId)];

    /// <summary>
    /// Tasks in a public subnet need a public IP: without one they have no way to ECR and CloudWatch (ECS Developer
    /// Guide, Fargate task networking). In private subnets (which route through NAT) they get none.
    /// </summary>
    public bool AssignPublicIp => TaskSubnets.Any(s => s.DefaultRoute == SubnetRoute.InternetGateway);

    /// <summary>What a user must know about it: tasks that cannot pull their image without VPC endpoints.</summary>
    public IReadOnlyList<string> Warnings =>
        [.. TaskSubnets.Where(s => s.DefaultRoute == SubnetRoute.None).Select(s =>
            $"tasks in {s.SubnetId} have no route out (no default route): they need VPC endpoints for ECR (api, dkr), S3 and CloudWatch Logs, or a NAT gateway, or the image pull fails with CannotPullContainerError")];

    /// <summary>One line for the plan.</summary>
    public string Describe()
    {
        var subnets = string.Join(", ", Subnets.Select(s => $"{s.SubnetId} ({s.AvailabilityZone})"));
        var tasks = Tasks is null ? "tasks in the same subnets" : $"tasks in {string.Join(", ", TaskSubnets.Select(s => $"{s.SubnetId} ({s.AvailabilityZone})"))}";
        var ip = AssignPublicIp ? "with a public IP (public subnets)" : "without a public IP (private subnets)";
        return $"{VpcId}{(IsDefaultVpc ? " (default VPC)" : "")}, load balancer in {subnets}; {tasks}, {ip}" +
               string.Concat(Warnings.Select(w => "; WARNING: " + w));
    }
}

/// <summary>
/// The availability zones Fargate runs in, where AWS restricts it (ECS Developer Guide, "Supported Regions for Amazon
/// ECS on AWS Fargate": only these zone ids in these Regions); every zone of every other Region is supported.
/// </summary>
public static class FargateZones
{
    private static readonly Dictionary<string, string[]> Restricted = new(StringComparer.Ordinal)
    {
        ["us-west-1"] = ["usw1-az1", "usw1-az3"],
        ["ap-northeast-1"] = ["apne1-az1", "apne1-az2", "apne1-az4"],
        ["cn-north-1"] = ["cnn1-az1", "cnn1-az2"],
    };

    /// <summary>True when Fargate runs tasks in the zone (an unknown zone id counts as supported).</summary>
    /// <param name="region">The region.</param>
    /// <param name="zoneId">The zone id, e.g. <c>usw1-az2</c>.</param>
    public static bool Supports(string region, string? zoneId) =>
        zoneId is null || !Restricted.TryGetValue(region, out var zones) || zones.Contains(zoneId, StringComparer.Ordinal);
}

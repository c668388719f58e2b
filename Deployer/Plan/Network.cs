using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.Ec2;
using Aspire.Deployer.Model;

namespace Aspire.Deployer.Plan;

/// <summary>One subnet the load balancer and the tasks use.</summary>
/// <param name="SubnetId">The subnet id.</param>
/// <param name="AvailabilityZone">Its availability zone.</param>
/// <param name="IsPublic">True when it gives instances a public IPv4 address by default (the mark of a public subnet).</param>
public sealed record NetworkSubnet(string SubnetId, string AvailabilityZone, bool IsPublic);

/// <summary>The network the app runs in, checked: a VPC and subnets in at least two availability zones, one per zone.</summary>
/// <param name="VpcId">The VPC.</param>
/// <param name="IsDefaultVpc">True when it is the region's default VPC.</param>
/// <param name="Subnets">The subnets, ordered by availability zone.</param>
public sealed record ResolvedNetwork(string VpcId, bool IsDefaultVpc, IReadOnlyList<NetworkSubnet> Subnets)
{
    /// <summary>The subnet ids, in order.</summary>
    public IReadOnlyList<string> SubnetIds => [.. Subnets.Select(s => s.SubnetId)];

    /// <summary>
    /// Tasks need a public IP when they run in public subnets: without a NAT gateway it is their only way to ECR
    /// and CloudWatch. In private subnets (which route through NAT) they get none.
    /// </summary>
    public bool AssignPublicIp => Subnets.All(s => s.IsPublic);

    /// <summary>One line for the plan.</summary>
    public string Describe() =>
        $"{VpcId}{(IsDefaultVpc ? " (default VPC)" : "")}, subnets {string.Join(", ", Subnets.Select(s => $"{s.SubnetId} ({s.AvailabilityZone})"))}; " +
        (AssignPublicIp
            ? "tasks get a public IP (public subnets)"
            : "tasks get no public IP (not all subnets are public: they need a NAT gateway or VPC endpoints to pull images, and an internet-facing load balancer needs public subnets)");
}

/// <summary>
/// Finds the VPC and subnets to use and checks them before anything is changed: the default VPC unless one is
/// configured, and subnets in at least two availability zones (an Application Load Balancer refuses fewer), one per
/// zone. Read-only: DescribeVpcs and DescribeSubnets only.
/// </summary>
public static class NetworkResolver
{
    /// <summary>The fewest availability zones an Application Load Balancer accepts.</summary>
    public const int MinimumZones = 2;

    /// <summary>Resolves and checks the network.</summary>
    /// <param name="ec2">The EC2 client.</param>
    /// <param name="settings">What is configured.</param>
    /// <param name="region">The region, for messages.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The checked network.</returns>
    /// <exception cref="DeploymentValidationException">No usable VPC or too few availability zones; the message says how to fix it.</exception>
    public static async Task<ResolvedNetwork> ResolveAsync(Ec2Client ec2, NetworkSettings settings, string region, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        ArgumentNullException.ThrowIfNull(settings);

        Ec2Vpc vpc;
        if (settings.VpcId is { } vpcId)
        {
            IReadOnlyList<Ec2Vpc> found;
            try
            {
                found = await ec2.DescribeVpcsAsync([vpcId], cancellationToken).ConfigureAwait(false);
            }
            catch (AwsApiException e) when (e.ErrorCode is "InvalidVpcID.NotFound" or "InvalidVpcID.Malformed")
            {
                found = [];
            }

            vpc = found.FirstOrDefault() ?? throw Invalid(
                $"The VPC '{vpcId}' (Aws:VpcId) does not exist in {region}. Set Aws:VpcId to a VPC of this region and account, " +
                "or remove it to use the default VPC.");
        }
        else
        {
            vpc = await ec2.GetDefaultVpcAsync(cancellationToken).ConfigureAwait(false) ?? throw Invalid(
                $"There is no default VPC in {region} and none is configured. Set Aws:VpcId (and optionally Aws:SubnetIds) to a VPC " +
                $"with public subnets in at least {MinimumZones} availability zones, or create a default VPC with `aws ec2 create-default-vpc --region {region}`.");
        }

        var all = await ec2.DescribeSubnetsAsync(vpc.VpcId, cancellationToken).ConfigureAwait(false);
        var chosen = settings.SubnetIds.Count > 0 ? Configured(vpc, all, settings.SubnetIds) : OnePerZone(all);
        var zones = chosen.Select(s => s.AvailabilityZone).Distinct(StringComparer.Ordinal).ToList();
        if (zones.Count < MinimumZones)
        {
            var what = settings.SubnetIds.Count > 0 ? "The configured subnets (Aws:SubnetIds)" : $"The VPC {vpc.VpcId}";
            var where = chosen.Count == 0
                ? "has no subnets"
                : $"has subnets in {zones.Count} availability zone ({string.Join(", ", zones)}) only: {string.Join(", ", chosen.Select(s => s.SubnetId))}";
            throw Invalid(
                $"{what} {where}. An Application Load Balancer needs subnets in at least {MinimumZones} availability zones: " +
                (settings.SubnetIds.Count > 0
                    ? "list subnets of different zones in Aws:SubnetIds."
                    : $"add a subnet in another zone (`aws ec2 create-subnet --vpc-id {vpc.VpcId} --availability-zone ...`) or set Aws:VpcId to another VPC."));
        }

        var subnets = chosen
            .OrderBy(s => s.AvailabilityZone, StringComparer.Ordinal)
            .Select(s => new NetworkSubnet(s.SubnetId, s.AvailabilityZone, s.MapPublicIpOnLaunch))
            .ToList();
        return new ResolvedNetwork(vpc.VpcId, vpc.IsDefault, subnets);
    }

    private static List<Ec2Subnet> Configured(Ec2Vpc vpc, IReadOnlyList<Ec2Subnet> all, IReadOnlyList<string> ids)
    {
        var problems = new List<string>();
        var chosen = new List<Ec2Subnet>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            if (all.FirstOrDefault(s => s.SubnetId == id) is { } subnet)
            {
                chosen.Add(subnet);
            }
            else
            {
                problems.Add($"The subnet '{id}' (Aws:SubnetIds) is not in the VPC {vpc.VpcId}" +
                             (vpc.IsDefault ? " (the default VPC): set Aws:VpcId to its VPC." : ": list subnets of that VPC, or change Aws:VpcId."));
            }
        }

        foreach (var zone in chosen.GroupBy(s => s.AvailabilityZone).Where(g => g.Count() > 1))
        {
            problems.Add($"The subnets {string.Join(" and ", zone.Select(s => s.SubnetId))} (Aws:SubnetIds) are both in {zone.Key}; " +
                         "a load balancer takes one subnet per availability zone: keep one of them.");
        }

        return problems.Count > 0 ? throw new DeploymentValidationException(problems) : chosen;
    }

    // One subnet per zone: public before private, a zone's default subnet first, then by id (deterministic).
    private static List<Ec2Subnet> OnePerZone(IReadOnlyList<Ec2Subnet> all) =>
        all.GroupBy(s => s.AvailabilityZone, StringComparer.Ordinal)
            .Select(zone => zone
                .OrderByDescending(s => s.MapPublicIpOnLaunch)
                .ThenByDescending(s => s.DefaultForAz)
                .ThenBy(s => s.SubnetId, StringComparer.Ordinal)
                .First())
            .ToList();

    private static DeploymentValidationException Invalid(string problem) => new([problem]);
}

using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.Ec2;
using Aspire.Deployer.Model;
using Aspire.Deployer.Settings;

namespace Aspire.Deployer.Network;

/// <summary>
/// Finds the VPC and subnets to use and checks them before anything is changed: the default VPC unless one is
/// configured; the load balancer in public subnets (a default route to an internet gateway, read from the route
/// tables) in at least two availability zones, one per zone; the tasks in the same subnets, or in private ones of the
/// same zones (configured, or chosen when every zone has one with a way out), in zones where Fargate runs.
/// Read-only: DescribeVpcs, DescribeSubnets and DescribeRouteTables only.
/// </summary>
public static class NetworkResolver
{
    /// <summary>The fewest availability zones an Application Load Balancer accepts.</summary>
    public const int MinimumZones = 2;

    /// <summary>Resolves and checks the network.</summary>
    /// <param name="ec2">The EC2 client.</param>
    /// <param name="settings">What is configured.</param>
    /// <param name="region">The region, for messages and Fargate's zones.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The checked network.</returns>
    /// <exception cref="DeploymentValidationException">No usable VPC or subnets; the message says how to fix it.</exception>
    public static async Task<ResolvedNetwork> ResolveAsync(Ec2Client ec2, NetworkSettings settings, string region, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        ArgumentNullException.ThrowIfNull(settings);
        var vpc = await VpcAsync(ec2, settings, region, cancellationToken).ConfigureAwait(false);
        var found = await ec2.DescribeSubnetsAsync(vpc.VpcId, cancellationToken).ConfigureAwait(false);
        var tables = await ec2.DescribeRouteTablesAsync(vpc.VpcId, cancellationToken).ConfigureAwait(false);
        var all = found.Select(s => Classify(s, tables)).ToList();

        var lbSetting = settings.LoadBalancerSubnetIds is { Count: > 0 } ? "Aws:LoadBalancerSubnetIds" : "Aws:SubnetIds";
        var lb = settings.ForLoadBalancer.Count > 0
            ? Configured(vpc, all, settings.ForLoadBalancer, lbSetting)
            : OnePerZone(all.Where(s => s.IsPublic && FargateZones.Supports(region, s.ZoneId)));
        CheckZones(lb, vpc, settings.ForLoadBalancer.Count > 0 ? lbSetting : null);
        CheckPublic(lb, lbSetting);

        var taskSetting = settings.TaskSubnetIds is { Count: > 0 } ? "Aws:TaskSubnetIds" : lbSetting;
        var tasks = settings.ForTasks.Count > 0 ? Configured(vpc, all, settings.ForTasks, taskSetting) : PrivateBehind(lb, all, region) ?? lb;
        CheckTasks(tasks, lb, region, taskSetting);
        return new ResolvedNetwork(vpc.VpcId, vpc.IsDefault, lb, tasks.SequenceEqual(lb) ? null : tasks);
    }

    private static async Task<Ec2Vpc> VpcAsync(Ec2Client ec2, NetworkSettings settings, string region, CancellationToken ct)
    {
        if (settings.VpcId is not { } vpcId)
        {
            return await ec2.GetDefaultVpcAsync(ct).ConfigureAwait(false) ?? throw Invalid(
                $"There is no default VPC in {region} and none is configured. Set Aws:VpcId (and optionally Aws:SubnetIds) to a VPC " +
                $"with public subnets in at least {MinimumZones} availability zones, or create a default VPC with `aws ec2 create-default-vpc --region {region}`.");
        }

        try
        {
            return (await ec2.DescribeVpcsAsync([vpcId], ct).ConfigureAwait(false)).FirstOrDefault() ?? throw NoSuchVpc(vpcId, region);
        }
        catch (AwsApiException e) when (e.ErrorCode is "InvalidVpcID.NotFound" or "InvalidVpcID.Malformed")
        {
            throw NoSuchVpc(vpcId, region);
        }
    }

    private static DeploymentValidationException NoSuchVpc(string vpcId, string region) => Invalid(
        $"The VPC '{vpcId}' (Aws:VpcId) does not exist in {region}. Set Aws:VpcId to a VPC of this region and account, or remove it to use the default VPC.");

    // A subnet's default route: from the route table it is associated with, else the VPC's main one.
    private static NetworkSubnet Classify(Ec2Subnet subnet, IReadOnlyList<Ec2RouteTable> tables)
    {
        var table = tables.FirstOrDefault(t => t.SubnetIds.Contains(subnet.SubnetId)) ?? tables.FirstOrDefault(t => t.IsMain);
        var route = table?.DefaultRouteTarget switch
        {
            null => SubnetRoute.None,
            var target when target.StartsWith("igw-", StringComparison.Ordinal) => SubnetRoute.InternetGateway,
            _ => SubnetRoute.Egress,
        };
        return new NetworkSubnet(subnet.SubnetId, subnet.AvailabilityZone, route == SubnetRoute.InternetGateway, subnet.AvailabilityZoneId, route);
    }

    private static List<NetworkSubnet> Configured(Ec2Vpc vpc, IReadOnlyList<NetworkSubnet> all, IReadOnlyList<string> ids, string setting)
    {
        var problems = new List<string>();
        var chosen = new List<NetworkSubnet>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            if (all.FirstOrDefault(s => s.SubnetId == id) is { } subnet)
            {
                chosen.Add(subnet);
            }
            else
            {
                problems.Add($"The subnet '{id}' ({setting}) is not in the VPC {vpc.VpcId}" +
                             (vpc.IsDefault ? " (the default VPC): set Aws:VpcId to its VPC." : ": list subnets of that VPC, or change Aws:VpcId."));
            }
        }

        foreach (var zone in chosen.GroupBy(s => s.AvailabilityZone).Where(g => g.Count() > 1))
        {
            problems.Add($"The subnets {string.Join(" and ", zone.Select(s => s.SubnetId))} ({setting}) are both in {zone.Key}; " +
                         "a load balancer takes one subnet per availability zone: keep one of them.");
        }

        return problems.Count > 0 ? throw new DeploymentValidationException(problems) : [.. chosen.OrderBy(s => s.AvailabilityZone, StringComparer.Ordinal)];
    }

    // One subnet per zone, a zone's default subnet first, then by id (deterministic).
    private static List<NetworkSubnet> OnePerZone(IEnumerable<NetworkSubnet> candidates) =>
        [.. candidates.GroupBy(s => s.AvailabilityZone, StringComparer.Ordinal)
            .OrderBy(z => z.Key, StringComparer.Ordinal)
            .Select(zone => zone.OrderBy(s => s.SubnetId, StringComparer.Ordinal).First())];

    // Private subnets with a way out (NAT) in every zone of the load balancer, when the VPC has them; else null.
    private static List<NetworkSubnet>? PrivateBehind(IReadOnlyList<NetworkSubnet> lb, IReadOnlyList<NetworkSubnet> all, string region)
    {
        var chosen = lb.Select(l => all.Where(s => s.AvailabilityZone == l.AvailabilityZone && s.DefaultRoute == SubnetRoute.Egress && FargateZones.Supports(region, s.ZoneId))
            .OrderBy(s => s.SubnetId, StringComparer.Ordinal).FirstOrDefault()).ToList();
        return chosen.Count > 0 && chosen.All(s => s is not null) ? [.. chosen.OfType<NetworkSubnet>()] : null;
    }

    private static void CheckZones(IReadOnlyList<NetworkSubnet> lb, Ec2Vpc vpc, string? setting)
    {
        var zones = lb.Select(s => s.AvailabilityZone).Distinct(StringComparer.Ordinal).ToList();
        if (zones.Count >= MinimumZones)
        {
            return;
        }

        var what = setting is not null ? $"The configured subnets ({setting})" : $"The VPC {vpc.VpcId}";
        var where = lb.Count == 0
            ? (setting is null ? "has no public subnets (a default route to an internet gateway) in zones where Fargate runs" : "has no subnets")
            : $"has {(setting is null ? "public subnets" : "subnets")} in {zones.Count} availability zone ({string.Join(", ", zones)}) only: {string.Join(", ", lb.Select(s => s.SubnetId))}";
        throw Invalid(
            $"{what} {where}. An Application Load Balancer needs subnets in at least {MinimumZones} availability zones: " +
            (setting is not null
                ? $"list subnets of different zones in {setting}."
                : $"add a public subnet in another zone (`aws ec2 create-subnet --vpc-id {vpc.VpcId} --availability-zone ...`, with a route table whose 0.0.0.0/0 goes to the internet gateway) or set Aws:VpcId to another VPC."));
    }

    // An internet-facing load balancer answers only from subnets that route to an internet gateway.
    private static void CheckPublic(IReadOnlyList<NetworkSubnet> lb, string setting)
    {
        var problems = lb.Where(s => !s.IsPublic).Select(s =>
            $"The subnet {s.SubnetId} ({setting}) is not public: its default route goes {(s.DefaultRoute == SubnetRoute.None ? "nowhere" : "to a NAT or other gateway, not an internet gateway")}. " +
            "The internet-facing load balancer needs public subnets: list public ones (or give the tasks their own private ones in Aws:TaskSubnetIds).").ToList();
        if (problems.Count > 0)
        {
            throw new DeploymentValidationException(problems);
        }
    }

    private static void CheckTasks(IReadOnlyList<NetworkSubnet> tasks, IReadOnlyList<NetworkSubnet> lb, string region, string setting)
    {
        var zones = lb.Select(s => s.AvailabilityZone).ToHashSet(StringComparer.Ordinal);
        var problems = tasks.Where(t => !zones.Contains(t.AvailabilityZone)).Select(t =>
            $"The subnet {t.SubnetId} ({setting}) is in {t.AvailabilityZone}, where the load balancer has no subnet: it could not reach the tasks there. " +
            $"Use task subnets in {string.Join(", ", zones.Order(StringComparer.Ordinal))}, or add a load balancer subnet in {t.AvailabilityZone}.").ToList();
        problems.AddRange(tasks.Where(t => !FargateZones.Supports(region, t.ZoneId)).Select(t =>
            $"The subnet {t.SubnetId} ({setting}) is in {t.AvailabilityZone} ({t.ZoneId}), a zone where Fargate does not run tasks in {region} " +
            "(ECS Developer Guide, \"Supported Regions for Amazon ECS on AWS Fargate\"): use a subnet of another zone."));
        if (problems.Count > 0)
        {
            throw new DeploymentValidationException(problems);
        }
    }

    private static DeploymentValidationException Invalid(string problem) => new([problem]);
}

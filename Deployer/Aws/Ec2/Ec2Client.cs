using Amazon.EC2;
using Amazon.EC2.Model;

namespace Aspire.Deployer.Aws.Ec2;

/// <summary>A VPC.</summary>
/// <param name="VpcId">The VPC id.</param>
/// <param name="CidrBlock">Its primary IPv4 CIDR block.</param>
/// <param name="IsDefault">True for the account's default VPC in the region.</param>
public sealed record Ec2Vpc(string VpcId, string? CidrBlock, bool IsDefault);

/// <summary>A subnet.</summary>
/// <param name="SubnetId">The subnet id.</param>
/// <param name="VpcId">Its VPC.</param>
/// <param name="AvailabilityZone">Its availability zone name.</param>
/// <param name="CidrBlock">Its IPv4 CIDR block.</param>
/// <param name="MapPublicIpOnLaunch">True when instances get a public IPv4 address by default (a public subnet, typically).</param>
/// <param name="DefaultForAz">True for the default subnet of its zone.</param>
/// <param name="AvailabilityZoneId">Its zone's id (e.g. <c>use1-az1</c>), the same in every account.</param>
public sealed record Ec2Subnet(string SubnetId, string VpcId, string AvailabilityZone, string? CidrBlock, bool MapPublicIpOnLaunch, bool DefaultForAz, string? AvailabilityZoneId = null);

/// <summary>A route table: its routes, and the subnets it is explicitly associated with (or the VPC's main one).</summary>
/// <param name="RouteTableId">Its id.</param>
/// <param name="IsMain">True for the VPC's main route table (used by subnets with no explicit association).</param>
/// <param name="SubnetIds">The subnets explicitly associated with it.</param>
/// <param name="DefaultRouteTarget">Where 0.0.0.0/0 goes when the route is active: <c>igw-…</c>, <c>nat-…</c>, a transit gateway, ...; null when there is no such route.</param>
public sealed record Ec2RouteTable(string RouteTableId, bool IsMain, IReadOnlyList<string> SubnetIds, string? DefaultRouteTarget);

/// <summary>An availability zone.</summary>
/// <param name="ZoneName">E.g. <c>us-east-1a</c>.</param>
/// <param name="ZoneId">E.g. <c>use1-az1</c>.</param>
/// <param name="State">E.g. <c>available</c>.</param>
public sealed record Ec2AvailabilityZone(string ZoneName, string? ZoneId, string? State);

/// <summary>One inbound rule: a protocol and port range from one source.</summary>
/// <param name="Protocol"><c>tcp</c>, <c>udp</c>, <c>icmp</c> or <c>-1</c> for all.</param>
/// <param name="FromPort">First port.</param>
/// <param name="ToPort">Last port.</param>
/// <param name="CidrIpv4">An IPv4 source range, e.g. <c>0.0.0.0/0</c>.</param>
/// <param name="CidrIpv6">An IPv6 source range, e.g. <c>::/0</c>.</param>
/// <param name="SourceSecurityGroupId">A source security group.</param>
/// <param name="Description">A description of the rule.</param>
public sealed record Ec2IngressRule(
    string Protocol,
    int FromPort,
    int ToPort,
    string? CidrIpv4 = null,
    string? CidrIpv6 = null,
    string? SourceSecurityGroupId = null,
    string? Description = null);

/// <summary>A security group.</summary>
/// <param name="GroupId">The group id.</param>
/// <param name="GroupName">The group name.</param>
/// <param name="VpcId">Its VPC.</param>
/// <param name="Description">Its description.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="IngressRules">Its inbound rules, one per source.</param>
public sealed record Ec2SecurityGroup(
    string GroupId,
    string GroupName,
    string? VpcId,
    string? Description,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<Ec2IngressRule> IngressRules);

/// <summary>
/// The EC2 operations the Deployer needs (default VPC, subnets, zones, security groups, tags), on the served
/// AWSSDK.EC2 package, with the session's credentials, endpoint and retries; failures are <see cref="AwsApiException"/>.
/// </summary>
public sealed class Ec2Client : IDisposable
{
    private readonly AmazonEC2Client _client;

    internal Ec2Client(AwsSession session)
    {
        Endpoint = session.ResolveEndpoint(AwsService.Ec2);
        _client = new AmazonEC2Client(session.Credentials, AwsSdkCall.Configure(new AmazonEC2Config(), session, AwsService.Ec2));
    }

    /// <summary>The endpoint this client sends requests to.</summary>
    public Uri Endpoint { get; }

    /// <summary>The region's default VPC, or null when the account has none there.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The default VPC or null.</returns>
    public Task<Ec2Vpc?> GetDefaultVpcAsync(CancellationToken cancellationToken = default) =>
        RunAsync("DescribeVpcs", async ct =>
        {
            var response = await _client.DescribeVpcsAsync(new DescribeVpcsRequest { Filters = [new Filter("is-default", ["true"])] }, ct).ConfigureAwait(false);
            return (response.Vpcs ?? []).Select(ToVpc).FirstOrDefault();
        }, cancellationToken);

    /// <summary>Describes VPCs by id.</summary>
    /// <param name="vpcIds">The ids.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The VPCs.</returns>
    public Task<IReadOnlyList<Ec2Vpc>> DescribeVpcsAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<Ec2Vpc>>("DescribeVpcs", async ct =>
        {
            var response = await _client.DescribeVpcsAsync(new DescribeVpcsRequest { VpcIds = [.. vpcIds] }, ct).ConfigureAwait(false);
            return (response.Vpcs ?? []).Select(ToVpc).ToList();
        }, cancellationToken);

    /// <summary>Every subnet of a VPC (all pages).</summary>
    /// <param name="vpcId">The VPC.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The subnets.</returns>
    public Task<IReadOnlyList<Ec2Subnet>> DescribeSubnetsAsync(string vpcId, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<Ec2Subnet>>("DescribeSubnets", async ct =>
        {
            var subnets = new List<Ec2Subnet>();
            string? token = null;
            do
            {
                var response = await _client.DescribeSubnetsAsync(new DescribeSubnetsRequest { Filters = [new Filter("vpc-id", [vpcId])], NextToken = token }, ct).ConfigureAwait(false);
                subnets.AddRange((response.Subnets ?? []).Select(s =>
                    new Ec2Subnet(s.SubnetId, s.VpcId, s.AvailabilityZone, s.CidrBlock, s.MapPublicIpOnLaunch ?? false, s.DefaultForAz ?? false, s.AvailabilityZoneId)));
                token = response.NextToken;
            }
            while (!string.IsNullOrEmpty(token));
            return subnets;
        }, cancellationToken);

    /// <summary>Every route table of a VPC (all pages), with its associations and its default IPv4 route.</summary>
    /// <param name="vpcId">The VPC.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The route tables.</returns>
    public Task<IReadOnlyList<Ec2RouteTable>> DescribeRouteTablesAsync(string vpcId, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<Ec2RouteTable>>("DescribeRouteTables", async ct =>
        {
            var tables = new List<Ec2RouteTable>();
            var request = new DescribeRouteTablesRequest { Filters = [new Filter("vpc-id", [vpcId])] };
            do
            {
                var response = await _client.DescribeRouteTablesAsync(request, ct).ConfigureAwait(false);
                tables.AddRange((response.RouteTables ?? []).Select(t => new Ec2RouteTable(
                    t.RouteTableId,
                    (t.Associations ?? []).Any(a => a.Main == true),
                    [.. (t.Associations ?? []).Select(a => a.SubnetId).OfType<string>()],
                    (t.Routes ?? []).Where(r => r.DestinationCidrBlock == "0.0.0.0/0" && r.State?.Value != "blackhole")
                        .Select(r => r.GatewayId ?? r.NatGatewayId ?? r.TransitGatewayId ?? r.NetworkInterfaceId ?? r.VpcPeeringConnectionId ?? r.InstanceId)
                        .FirstOrDefault(target => target is not null))));
                request.NextToken = response.NextToken;
            }
            while (!string.IsNullOrEmpty(request.NextToken));
            return tables;
        }, cancellationToken);

    /// <summary>The region's availability zones that are available.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The zones.</returns>
    public Task<IReadOnlyList<Ec2AvailabilityZone>> DescribeAvailabilityZonesAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<Ec2AvailabilityZone>>("DescribeAvailabilityZones", async ct =>
        {
            var response = await _client.DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest(), ct).ConfigureAwait(false);
            return (response.AvailabilityZones ?? []).Select(z => new Ec2AvailabilityZone(z.ZoneName, z.ZoneId, z.State?.Value)).ToList();
        }, cancellationToken);

    /// <summary>Creates a security group in a VPC, tagged at creation.</summary>
    /// <param name="groupName">The name (unique in the VPC).</param>
    /// <param name="description">The description (ASCII).</param>
    /// <param name="vpcId">The VPC.</param>
    /// <param name="tags">Tags to apply at creation.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new group's id.</returns>
    public Task<string> CreateSecurityGroupAsync(string groupName, string description, string vpcId, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default) =>
        RunAsync("CreateSecurityGroup", async ct =>
        {
            var request = new CreateSecurityGroupRequest { GroupName = groupName, Description = description, VpcId = vpcId };
            if (tags is { Count: > 0 })
            {
                request.TagSpecifications = [new TagSpecification { ResourceType = ResourceType.SecurityGroup, Tags = ToTags(tags) }];
            }

            var response = await _client.CreateSecurityGroupAsync(request, ct).ConfigureAwait(false);
            return response.GroupId;
        }, cancellationToken);

    /// <summary>Describes security groups by id (all pages).</summary>
    /// <param name="groupIds">The ids.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The groups.</returns>
    public Task<IReadOnlyList<Ec2SecurityGroup>> DescribeSecurityGroupsAsync(IReadOnlyList<string> groupIds, CancellationToken cancellationToken = default) =>
        DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [.. groupIds] }, cancellationToken);

    /// <summary>Describes the security groups of a VPC carrying all of the given tags (all pages).</summary>
    /// <param name="vpcId">The VPC, or null for any.</param>
    /// <param name="tags">Tags every returned group carries.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The groups.</returns>
    public Task<IReadOnlyList<Ec2SecurityGroup>> DescribeSecurityGroupsByTagsAsync(string? vpcId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var filters = tags.Select(t => new Filter($"tag:{t.Key}", [t.Value])).ToList();
        if (vpcId is not null)
        {
            filters.Add(new Filter("vpc-id", [vpcId]));
        }

        return DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = filters }, cancellationToken);
    }

    /// <summary>Adds inbound rules to a security group.</summary>
    /// <param name="groupId">The group.</param>
    /// <param name="rules">The rules.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the rules exist.</returns>
    public Task AuthorizeSecurityGroupIngressAsync(string groupId, IReadOnlyList<Ec2IngressRule> rules, CancellationToken cancellationToken = default) =>
        RunAsync("AuthorizeSecurityGroupIngress", async ct =>
        {
            await _client.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest { GroupId = groupId, IpPermissions = rules.Select(ToPermission).ToList() }, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Removes inbound rules from a security group.</summary>
    /// <param name="groupId">The group.</param>
    /// <param name="rules">The rules, as they were authorized.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the rules are gone.</returns>
    public Task RevokeSecurityGroupIngressAsync(string groupId, IReadOnlyList<Ec2IngressRule> rules, CancellationToken cancellationToken = default) =>
        RunAsync("RevokeSecurityGroupIngress", async ct =>
        {
            await _client.RevokeSecurityGroupIngressAsync(new RevokeSecurityGroupIngressRequest { GroupId = groupId, IpPermissions = rules.Select(ToPermission).ToList() }, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Deletes a security group.</summary>
    /// <param name="groupId">The group.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the group is gone.</returns>
    public Task DeleteSecurityGroupAsync(string groupId, CancellationToken cancellationToken = default) =>
        RunAsync("DeleteSecurityGroup", async ct =>
        {
            await _client.DeleteSecurityGroupAsync(new DeleteSecurityGroupRequest { GroupId = groupId }, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Adds or overwrites tags on EC2 resources.</summary>
    /// <param name="resourceIds">The resources (security groups, VPCs, subnets, ...).</param>
    /// <param name="tags">The tags.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the tags are set.</returns>
    public Task CreateTagsAsync(IReadOnlyList<string> resourceIds, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default) =>
        RunAsync("CreateTags", async ct =>
        {
            await _client.CreateTagsAsync(new CreateTagsRequest { Resources = [.. resourceIds], Tags = ToTags(tags) }, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    private Task<IReadOnlyList<Ec2SecurityGroup>> DescribeSecurityGroupsAsync(DescribeSecurityGroupsRequest request, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<Ec2SecurityGroup>>("DescribeSecurityGroups", async ct =>
        {
            var groups = new List<Ec2SecurityGroup>();
            do
            {
                var response = await _client.DescribeSecurityGroupsAsync(request, ct).ConfigureAwait(false);
                groups.AddRange((response.SecurityGroups ?? []).Select(ToGroup));
                request.NextToken = response.NextToken;
            }
            while (!string.IsNullOrEmpty(request.NextToken));
            return groups;
        }, cancellationToken);

    private Task<T> RunAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        AwsSdkCall.RunAsync(AwsService.Ec2, operation, Endpoint, call, cancellationToken);

    private static Ec2Vpc ToVpc(Vpc v) => new(v.VpcId, v.CidrBlock, v.IsDefault ?? false);

    private static List<Tag> ToTags(IReadOnlyDictionary<string, string> tags) => tags.Select(t => new Tag(t.Key, t.Value)).ToList();

    private static IpPermission ToPermission(Ec2IngressRule rule)
    {
        var permission = new IpPermission { IpProtocol = rule.Protocol, FromPort = rule.FromPort, ToPort = rule.ToPort };
        if (rule.CidrIpv4 is not null)
        {
            permission.Ipv4Ranges = [new IpRange { CidrIp = rule.CidrIpv4, Description = rule.Description }];
        }

        if (rule.CidrIpv6 is not null)
        {
            permission.Ipv6Ranges = [new Ipv6Range { CidrIpv6 = rule.CidrIpv6, Description = rule.Description }];
        }

        if (rule.SourceSecurityGroupId is not null)
        {
            permission.UserIdGroupPairs = [new UserIdGroupPair { GroupId = rule.SourceSecurityGroupId, Description = rule.Description }];
        }

        return permission;
    }

    private static Ec2SecurityGroup ToGroup(SecurityGroup g)
    {
        var rules = new List<Ec2IngressRule>();
        foreach (var p in g.IpPermissions ?? [])
        {
            var (from, to) = (p.FromPort ?? -1, p.ToPort ?? -1);
            rules.AddRange((p.Ipv4Ranges ?? []).Select(r => new Ec2IngressRule(p.IpProtocol, from, to, CidrIpv4: r.CidrIp, Description: r.Description)));
            rules.AddRange((p.Ipv6Ranges ?? []).Select(r => new Ec2IngressRule(p.IpProtocol, from, to, CidrIpv6: r.CidrIpv6, Description: r.Description)));
            rules.AddRange((p.UserIdGroupPairs ?? []).Select(r => new Ec2IngressRule(p.IpProtocol, from, to, SourceSecurityGroupId: r.GroupId, Description: r.Description)));
        }

        var tags = (g.Tags ?? []).GroupBy(t => t.Key).ToDictionary(t => t.Key, t => t.Last().Value);
        return new Ec2SecurityGroup(g.GroupId, g.GroupName, g.VpcId, g.Description, tags, rules);
    }
}

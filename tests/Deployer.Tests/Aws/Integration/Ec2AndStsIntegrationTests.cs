using Aspire.Deployer.Aws.Ec2;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Integration;

public sealed class Ec2AndStsIntegrationTests
{
    [Fact]
    public async Task GetCallerIdentity_ReturnsMotosAccount()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();

        var identity = await session.Sts.GetCallerIdentityAsync();

        Assert.Equal("123456789012", identity.Account);
        Assert.StartsWith("arn:aws:", identity.Arn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultVpc_HasSubnetsInAtLeastTwoZones()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();

        var vpc = await session.Ec2.GetDefaultVpcAsync();
        Assert.NotNull(vpc);
        Assert.True(vpc.IsDefault);
        Assert.Equal(vpc, Assert.Single(await session.Ec2.DescribeVpcsAsync([vpc.VpcId])));
        var subnets = await session.Ec2.DescribeSubnetsAsync(vpc.VpcId);
        var zones = await session.Ec2.DescribeAvailabilityZonesAsync();

        Assert.True(subnets.Select(s => s.AvailabilityZone).Distinct().Count() >= 2);
        Assert.All(subnets, s => Assert.Equal(vpc.VpcId, s.VpcId));
        Assert.Superset(zones.Select(z => z.ZoneName).ToHashSet(), subnets.Select(s => s.AvailabilityZone).ToHashSet());
    }

    [Fact]
    public async Task SecurityGroups_RoundTripWithRulesAndTags()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var ec2 = session.Ec2;
        var vpc = (await ec2.GetDefaultVpcAsync())!;
        var app = MotoServer.UniqueName("app");
        var tags = new Dictionary<string, string> { ["app"] = app, ["env"] = "test" };

        var albGroup = await ec2.CreateSecurityGroupAsync($"{app}-alb", "ALB", vpc.VpcId, tags);
        var serviceGroup = await ec2.CreateSecurityGroupAsync($"{app}-svc", "service", vpc.VpcId, tags);
        Ec2IngressRule[] albRules =
        [
            new("tcp", 4000, 4000, CidrIpv4: "0.0.0.0/0", Description: "listener IPv4"),
            new("tcp", 4000, 4000, CidrIpv6: "::/0", Description: "listener IPv6"),
        ];
        await ec2.AuthorizeSecurityGroupIngressAsync(albGroup, albRules);
        await ec2.AuthorizeSecurityGroupIngressAsync(serviceGroup, [new("tcp", 4000, 4000, SourceSecurityGroupId: albGroup)]);
        await ec2.CreateTagsAsync([serviceGroup], new Dictionary<string, string> { ["role"] = "service" });

        var tagged = await ec2.DescribeSecurityGroupsByTagsAsync(vpc.VpcId, tags);
        Assert.Equal(new[] { albGroup, serviceGroup }.Order(StringComparer.Ordinal), tagged.Select(g => g.GroupId).Order(StringComparer.Ordinal));
        var alb = Assert.Single(await ec2.DescribeSecurityGroupsAsync([albGroup]));
        Assert.Contains(alb.IngressRules, r => r.CidrIpv4 == "0.0.0.0/0" && r.FromPort == 4000 && r.Protocol == "tcp");
        Assert.Contains(alb.IngressRules, r => r.CidrIpv6 == "::/0" && r.ToPort == 4000);
        var service = Assert.Single(await ec2.DescribeSecurityGroupsAsync([serviceGroup]));
        Assert.Equal(albGroup, Assert.Single(service.IngressRules).SourceSecurityGroupId);
        Assert.Equal("service", service.Tags["role"]);

        await ec2.RevokeSecurityGroupIngressAsync(serviceGroup, [new("tcp", 4000, 4000, SourceSecurityGroupId: albGroup)]);
        Assert.Empty(Assert.Single(await ec2.DescribeSecurityGroupsAsync([serviceGroup])).IngressRules);
        await ec2.DeleteSecurityGroupAsync(serviceGroup);
        await ec2.DeleteSecurityGroupAsync(albGroup);

        var gone = await Assert.ThrowsAsync<AwsApiException>(() => ec2.DescribeSecurityGroupsAsync([albGroup]));
        Assert.Equal("InvalidGroup.NotFound", gone.ErrorCode);
        Assert.Equal("EC2", gone.Service);
        Assert.Equal("DescribeSecurityGroups", gone.Operation);
        Assert.Equal(400, gone.HttpStatus);
    }
}

using Aspire.Deployer.Network;

namespace Aspire.Deployer.Tests.Resources;

public sealed class NetworkTests
{
    [Theory]
    [InlineData("us-west-1", "usw1-az1", true)]
    [InlineData("us-west-1", "usw1-az2", false)]
    [InlineData("ap-northeast-1", "apne1-az3", false)]
    [InlineData("ap-northeast-1", "apne1-az4", true)]
    [InlineData("us-east-1", "use1-az3", true)]
    [InlineData("eu-west-1", null, true)]
    public void FargateZones_FollowTheDocumentedRestrictions(string region, string? zoneId, bool supported)
    {
        Assert.Equal(supported, FargateZones.Supports(region, zoneId));
    }

    [Fact]
    public void TasksInAPublicSubnet_GetAPublicIp_PrivateOnesNone_AndNoRouteOutIsWarned()
    {
        var lb = new List<NetworkSubnet> { new("subnet-a", "eu-west-1a", true), new("subnet-b", "eu-west-1b", true) };
        var isolated = new List<NetworkSubnet> { new("subnet-c", "eu-west-1a", false, Route: SubnetRoute.None), new("subnet-d", "eu-west-1b", false, Route: SubnetRoute.Egress) };

        Assert.True(new ResolvedNetwork("vpc-1", false, lb).AssignPublicIp);
        var behind = new ResolvedNetwork("vpc-1", false, lb, isolated);
        Assert.False(behind.AssignPublicIp);
        Assert.Contains("tasks in subnet-c have no route out", Assert.Single(behind.Warnings));
        Assert.Contains("WARNING: tasks in subnet-c", behind.Describe());
    }
}

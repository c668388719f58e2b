using Aspire.Deployer.Model;

namespace Aspire.Deployer.Tests.Model;

public sealed class AwsNamesTests
{
    [Fact]
    public void Names_AreDerivedFromAppEnvironmentAndResource()
    {
        var names = new AwsNames("shop", "production", "node-app");

        Assert.Equal("shop-production", names.Cluster);
        Assert.Equal("shop-production-node-app", names.Service);
        Assert.Equal("shop-production-node-app", names.TargetGroup);
        Assert.Equal("shop/production/node-app", names.Repository);
        Assert.Equal("/ecs/shop/production/node-app", names.LogGroup);
        Assert.Equal("shop-production-node-app-eu-west-1-execution", names.ExecutionRole("eu-west-1"));
        Assert.Equal("shop-production-node-app-eu-west-1-task", names.TaskRole("eu-west-1"));
        Assert.Equal("production", names.Tags[AwsNames.TagKeys.Environment]);
        Assert.Empty(names.Problems());
    }

    [Fact]
    public void TargetGroupOver32Characters_IsRejectedWithHowMuchToShorten()
    {
        var names = new AwsNames("a-rather-long-app", "production", "node-app");

        var problem = Assert.Single(names.Problems());

        Assert.Contains("target group name 'a-rather-long-app-production-node-app' has 37 characters; AWS allows 32", problem);
        Assert.Contains("by 5", problem);
    }

    [Fact]
    public void RoleNames_FitIamsLimitInTheLongestRegion_WheneverTheTargetGroupFits()
    {
        // 32 characters, the most a target group name may have.
        var names = new AwsNames("twelve-chars", "production", "node-app");
        Assert.Equal(32, names.TargetGroup.Length);
        Assert.Empty(names.Problems());

        Assert.InRange(names.ExecutionRole("us-isof-south-1").Length, 1, 64);
        Assert.InRange(names.TaskRole("us-isof-south-1").Length, 1, 64);
    }

    [Theory]
    [InlineData("Shop")]
    [InlineData("shop_app")]
    [InlineData("-shop")]
    [InlineData("shop-")]
    [InlineData("shop--app")]
    [InlineData("1shop")]
    [InlineData("")]
    public void AppNamesAwsCannotUse_AreRejectedNamingTheSetting(string app)
    {
        var problem = Assert.Single(new AwsNames(app, "prod", "web").Problems());

        Assert.Contains($"app name '{app}'", problem);
        Assert.Contains("Aws:AppName", problem);
    }
}

using Aspire.Deployer.Aws.CloudWatchLogs;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Integration;

public sealed class CloudWatchLogsIntegrationTests
{
    [Fact]
    public async Task LogsOperations_RoundTripAgainstMoto()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var logs = session.Logs;
        var name = "/ecs/" + MotoServer.UniqueName("node-app");

        await logs.CreateLogGroupAsync(new CreateLogGroupRequest { LogGroupName = name, Tags = new Dictionary<string, string> { ["app"] = "node-app" } });
        await logs.PutRetentionPolicyAsync(new PutRetentionPolicyRequest { LogGroupName = name, RetentionInDays = 30 });
        var group = Assert.Single(await logs.DescribeLogGroupsItemsAsync(new DescribeLogGroupsRequest { LogGroupNamePrefix = name }).ToListAsync());
        Assert.Equal(30, group.RetentionInDays);
        var arn = group.Arn!.EndsWith(":*", StringComparison.Ordinal) ? group.Arn[..^2] : group.Arn;

        await logs.TagResourceAsync(new TagResourceRequest { ResourceArn = arn, Tags = new Dictionary<string, string> { ["env"] = "test" } });
        var tags = await logs.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = arn });
        Assert.Equal("test", tags.Tags!["env"]);
        Assert.Equal("node-app", tags.Tags["app"]);

        var events = await logs.FilterLogEventsAsync(new FilterLogEventsRequest { LogGroupName = name, Limit = 10 });
        Assert.Empty(events.Events ?? []);

        await logs.DeleteLogGroupAsync(new DeleteLogGroupRequest { LogGroupName = name });
        Assert.Empty(await logs.DescribeLogGroupsItemsAsync(new DescribeLogGroupsRequest { LogGroupNamePrefix = name }).ToListAsync());
    }

    [Fact]
    public async Task DescribeLogGroups_WithLimitTwo_ReadsEveryPage()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var prefix = "/paged/" + MotoServer.UniqueName("g");
        var names = Enumerable.Range(0, 5).Select(i => $"{prefix}/{i}").ToList();
        foreach (var name in names)
        {
            await session.Logs.CreateLogGroupAsync(new CreateLogGroupRequest { LogGroupName = name });
        }

        var pages = await session.Logs.DescribeLogGroupsPagesAsync(new DescribeLogGroupsRequest { LogGroupNamePrefix = prefix, Limit = 2 }).ToListAsync();

        Assert.Equal(3, pages.Count);
        Assert.Equal(names, pages.SelectMany(p => p.LogGroups!).Select(g => g.LogGroupName));
    }

    [Fact]
    public async Task MissingLogGroup_GivesResourceNotFoundException()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();

        var error = await Assert.ThrowsAsync<AwsApiException>(() => session.Logs.DeleteLogGroupAsync(new DeleteLogGroupRequest { LogGroupName = "/missing/" + MotoServer.UniqueName("g") }));

        Assert.Equal("ResourceNotFoundException", error.ErrorCode);
        Assert.Equal("CloudWatch Logs", error.Service);
        Assert.Equal("DeleteLogGroup", error.Operation);
        Assert.Equal(400, error.HttpStatus);
    }
}

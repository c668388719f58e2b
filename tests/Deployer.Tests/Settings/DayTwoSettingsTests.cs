using Aspire.Deployer.Model;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Tests.Settings;

/// <summary>The logs, rollback and cost keys: values read, defaults kept, bad values refused before any AWS call with what to write instead.</summary>
public sealed class DayTwoSettingsTests
{
    private static readonly string[] Model = ["node-app"];

    private static AwsSettings Bind(params (string Key, string Value)[] values) =>
        AwsSettings.Bind(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build(), Model);

    [Fact]
    public void Bind_DayTwoKeys_ReachTheVerbsOptions()
    {
        var settings = Bind(("Aws:LogsSince", "2h"), ("Aws:LogsFollow", "true"), ("Aws:LogsFilter", "ERROR"), ("Aws:LogsService", "node-app"),
            ("Aws:RollbackTo", "3"), ("Aws:RollbackService", "node-app"), ("Aws:CostAssumedLcu", "0.2"), ("Aws:CostAssumedLogGb", "5"), ("Aws:DeployPollSeconds", "7"));

        Assert.Equal(("2h", true, "ERROR", "node-app"), (settings.Logs.Since, settings.Logs.Follow, settings.Logs.FilterPattern, settings.Logs.Service));
        Assert.Equal((3, "node-app", TimeSpan.FromSeconds(7)), (settings.Rollback.ToRevision, settings.Rollback.Service, settings.Rollback.Wait.PollInterval));
        Assert.Equal((0.2, 5.0), (settings.Plan.Cost.LoadBalancerCapacityUnits, settings.Deploy.Cost.LogGigabytesPerServiceMonth));
    }

    [Fact]
    public void Bind_Unset_KeepsTheDefaults()
    {
        var settings = Bind();
        var now = DateTimeOffset.UtcNow;

        Assert.Equal(now - LogsOptions.DefaultSince, settings.Logs.StartTime(now));
        Assert.False(settings.Logs.Follow);
        Assert.Null(settings.Rollback.ToRevision);
        Assert.Equal(new CostAssumptions(), settings.Cost);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1.5h", 5400)]
    [InlineData("2d", 172800)]
    public void LogsSince_Durations_AreBackFromNow(string text, int seconds)
    {
        var now = DateTimeOffset.UtcNow;

        Assert.True(LogsOptions.TryParseSince(text, now, out var start));
        Assert.Equal(now.AddSeconds(-seconds), start);
    }

    [Fact]
    public void LogsSince_APastTime_IsThatTime()
    {
        Assert.True(LogsOptions.TryParseSince("2026-01-02T03:04:05Z", DateTimeOffset.UtcNow, out var start));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), start);
    }

    [Theory]
    [InlineData("Aws:LogsSince", "yesterday", "neither a duration back from now (90s, 10m, 2h, 1d) nor a past time")]
    [InlineData("Aws:LogsSince", "2999-01-01T00:00:00Z", "nor a past time")]
    [InlineData("Aws:RollbackTo", "0", "must be a task definition revision number (1 or more)")]
    [InlineData("Aws:RollbackTo", "latest", "is 'latest', which is not a whole number")]
    [InlineData("Aws:CostAssumedLcu", "-1", "must be 0 or more")]
    [InlineData("Aws:LogsService", "nodeapp", "deploys no resource of that name (it deploys: node-app). Did you mean node-app?")]
    [InlineData("Aws:RollbackService", "api", "deploys no resource of that name (it deploys: node-app)")]
    public void Bind_BadValue_IsRefusedSayingWhatItTakes(string key, string value, string problem)
    {
        var problems = Assert.Throws<DeploymentValidationException>(() => Bind((key, value))).Problems;

        Assert.Single(problems);
        Assert.Contains(problem, problems[0], StringComparison.Ordinal);
    }
}

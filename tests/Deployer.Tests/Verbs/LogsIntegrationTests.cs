using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Verbs;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>
/// The logs verb against CloudWatch Logs in moto: lines written into the services' log streams (awslogs names,
/// several tasks, two services) are shown in time order, each once, readable; the start time and filter pattern are
/// applied; follow mode prints what arrives later, never a line twice, and ends cleanly when cancelled.
/// </summary>
public sealed class LogsIntegrationTests
{
    private static readonly LogsOptions Fast = new() { PollInterval = TimeSpan.FromMilliseconds(50) };

    private static async Task<(AppScope Scope, AwsNames Web, AwsNames Api)> SeedAsync(Aspire.Deployer.Aws.AwsSession aws, DateTimeOffset at)
    {
        var app = PlanSamples.UniqueApp();
        var (web, api) = (new AwsNames(app, "test", "web"), new AwsNames(app, "test", "api"));
        // Two tasks of web and one of api, written out of order across streams and services.
        await LogEvents.WriteAsync(aws, web.LogGroup, LogEvents.Stream("web", "web", "task2bbbbbbbbbbb"), at.AddSeconds(2),
            """{"time":"t","level":"info","msg":"request","method":"GET","path":"/api/info","status":200,"durationMs":3,"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7"}""");
        await LogEvents.WriteAsync(aws, web.LogGroup, LogEvents.Stream("web", "web", "task1aaaaaaaaaaa"), at, "plain text line one", "plain text line two");
        await LogEvents.WriteAsync(aws, api.LogGroup, LogEvents.Stream("api", "api", "task3ccccccccccc"), at.AddSeconds(1),
            """{"time":"t","level":"error","msg":"upstream failed","err":{"type":"Error","message":"ECONNREFUSED"}}""");
        // An event from before the window.
        await LogEvents.WriteAsync(aws, web.LogGroup, LogEvents.Stream("web", "web", "task0zzzzzzzzzzz"), at.AddHours(-2), "too old to show");
        return (new AppScope(app, "test"), web, api);
    }

    [Fact]
    public async Task Logs_AllServices_ShowsEveryLineOfTheWindowInTimeOrderOnceAndReadable()
    {
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        var (scope, _, _) = await SeedAsync(aws, at);
        var log = new StringWriter();

        var result = await LogsVerb.RunAsync(aws, scope, Fast, new PlainTextDeployProgress(log));

        var lines = Lines(log);
        Assert.Equal(["api", "web"], result.Sources.Select(s => s.Resource));
        Assert.Equal(4, result.Lines);
        Assert.Equal(4, lines.Count);
        Assert.EndsWith("web/task1aaa plain text line one", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("web/task1aaa plain text line two", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("api/task3ccc ERROR upstream failed err=\"Error: ECONNREFUSED\"", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("web/task2bbb INFO  request method=GET path=/api/info status=200 durationMs=3 trace=4bf92f3577b34da6a3ce929d0e0e4736", lines[3], StringComparison.Ordinal);
        Assert.StartsWith(at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + "Z", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("too old", log.ToString());
    }

    [Fact]
    public async Task Logs_OneServiceSinceAndFilter_ShowsOnlyItsMatchingLines()
    {
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var (scope, _, _) = await SeedAsync(aws, DateTimeOffset.UtcNow.AddMinutes(-5));
        var log = new StringWriter();

        var result = await LogsVerb.RunAsync(aws, scope, Fast with { Service = "web", FilterPattern = "two", Since = "3h" }, new PlainTextDeployProgress(log));

        Assert.Equal("web", Assert.Single(result.Sources).Resource);
        var line = Assert.Single(Lines(log));
        Assert.EndsWith("task1aaa plain text line two", line, StringComparison.Ordinal);
        // Only one service: its name is not repeated on every line.
        Assert.DoesNotContain("web/", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_Follow_PrintsNewLinesAsTheyArriveNeverTwice_AndEndsCleanlyWhenCancelled()
    {
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var (scope, web, _) = await SeedAsync(aws, DateTimeOffset.UtcNow.AddMinutes(-5));
        var log = new LockedWriter();
        using var stop = new CancellationTokenSource();

        var following = LogsVerb.RunAsync(aws, scope, Fast with { Follow = true }, new PlainTextDeployProgress(log), stop.Token);
        await WaitForAsync(() => Lines(log).Count == 4);
        // A new line in a new stream, a new line in a known one, and one a little older than the newest seen (late ingestion).
        var now = DateTimeOffset.UtcNow;
        await LogEvents.WriteAsync(aws, web.LogGroup, LogEvents.Stream("web", "web", "task4dddddddddddd"), now, "arrived later");
        await LogEvents.WriteAsync(aws, web.LogGroup, LogEvents.Stream("web", "web", "task1aaaaaaaaaaa"), now.AddMilliseconds(5), "and another");
        await WaitForAsync(() => Lines(log).Count == 6);
        await LogEvents.WriteAsync(aws, web.LogGroup, LogEvents.Stream("web", "web", "task2bbbbbbbbbbb"), now.AddSeconds(-10), "ingested late");
        await WaitForAsync(() => Lines(log).Count == 7);
        await Task.Delay(300); // several more polls over the same window
        stop.Cancel();
        var result = await following.WaitAsync(TimeSpan.FromSeconds(10));

        var lines = Lines(log);
        Assert.True(result.Followed);
        Assert.Equal(7, result.Lines);
        Assert.Equal(7, lines.Count);
        Assert.Equal(lines.Count, lines.Distinct().Count());
        Assert.EndsWith("web/task4ddd arrived later", lines[4], StringComparison.Ordinal);
        Assert.EndsWith("web/task1aaa and another", lines[5], StringComparison.Ordinal);
        Assert.EndsWith("web/task2bbb ingested late", lines[6], StringComparison.Ordinal);
        Assert.Contains("Stopped following (7 line(s) shown).", log.ToString());
    }

    [Fact]
    public async Task Logs_MoreLinesThanTheBoundOverSeveralPages_ShowsTheNewestAndSaysHowManyOlderWereLeftOut()
    {
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var names = new AwsNames(PlanSamples.UniqueApp(), "test", "web");
        var stream = LogEvents.Stream("web", "web", "task1aaaaaaaaaaa");
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        // 25 000 lines: three pages of FilterLogEvents (10 000 events each), read oldest first.
        for (var batch = 0; batch < 25_000; batch += 10_000)
        {
            var count = Math.Min(10_000, 25_000 - batch);
            await LogEvents.WriteAsync(aws, names.LogGroup, stream, at.AddMilliseconds(batch),
                [.. Enumerable.Range(batch, count).Select(i => $"line {i:00000}")]);
        }

        var log = new StringWriter();

        var result = await LogsVerb.RunAsync(aws, new AppScope(names.App, "test"), Fast with { MaxLines = 3_000 }, new PlainTextDeployProgress(log));

        var lines = Lines(log);
        Assert.Equal(3_000, result.Lines);
        Assert.Equal(3_000, lines.Count);
        Assert.EndsWith("line 22000", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("line 24999", lines[^1], StringComparison.Ordinal);
        Assert.Contains("WARNING: 22000 older line(s) left out: more than 3000 matched.", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_NothingDeployed_SaysSoWithoutFailing()
    {
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var log = new StringWriter();

        var result = await LogsVerb.RunAsync(aws, new AppScope(PlanSamples.UniqueApp(), "test"), Fast, new PlainTextDeployProgress(log));

        Assert.Empty(result.Sources);
        Assert.Contains("No log group under /ecs/", log.ToString());
    }

    // The log lines printed (not the header or the end line).
    private static List<string> Lines(TextWriter log) =>
        [.. log.ToString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Where(l => l.Length > 0 && char.IsAsciiDigit(l[0]))];

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the expected lines did not appear within 15 s");
            await Task.Delay(20);
        }
    }

    /// <summary>A StringWriter that can be read while another task writes to it.</summary>
    private sealed class LockedWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public override void WriteLine(string? value)
        {
            lock (_gate)
            {
                base.WriteLine(value);
            }
        }

        public override string ToString()
        {
            lock (_gate)
            {
                return base.ToString();
            }
        }
    }
}

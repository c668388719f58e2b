using System.Text.Json.Nodes;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Images;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Settings;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Verbs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>
/// The wait against a scripted ECS endpoint (moto never fails a rollout): events are streamed, a completed rollout
/// ends the wait, a failed one or a rollback fails it with the stopped tasks' reasons.
/// </summary>
public sealed class DeploymentWaiterTests
{
    private const string Td1 = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-test-web:1";
    private const string Td2 = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-test-web:2";
    private static readonly WaitTarget Target = new("web", "shop-test", "shop-test-web", Td2, null);
    private static readonly WaitOptions Fast = new() { Timeout = TimeSpan.FromSeconds(5), PollInterval = TimeSpan.FromMilliseconds(20) };

    [Fact]
    public async Task Wait_RolloutCompletesAfterProgress_StreamsNewEventsAndSucceeds()
    {
        var polls = 0;
        var now = DateTimeOffset.UtcNow;
        await using var ecs = await ScriptedEcs.StartAsync(op => op switch
        {
            "DescribeServices" => Interlocked.Increment(ref polls) < 3
                ? Service(Td2, running: 0, Deployment(Td2, "IN_PROGRESS"), [Event("e2", "(service shop-test-web) has started 1 tasks", now), Event("e1", "old event", now.AddHours(-1))])
                : Service(Td2, running: 1, Deployment(Td2, "COMPLETED"), [Event("e3", "(service shop-test-web) has reached a steady state.", now), Event("e2", "started", now), Event("e1", "old event", now.AddHours(-1))]),
            _ => new JsonObject(),
        });
        using var session = await MotoServer.CreateSessionAsync(ecs.Endpoint);
        var log = new StringWriter();

        var states = await new DeploymentWaiter(session, new PlainTextDeployProgress(log)).WaitAsync([Target], Fast, eventsSince: now.AddSeconds(-5));

        Assert.Equal((1, 1), (states[0].RunningCount, states[0].DesiredCount));
        Assert.Contains("has started 1 tasks", log.ToString());
        Assert.Contains("reached a steady state", log.ToString());
        Assert.DoesNotContain("old event", log.ToString());
        Assert.Contains("rollout IN_PROGRESS, 0/1 running", log.ToString());
    }

    [Fact]
    public async Task Wait_CircuitBreakerRolledBack_FailsWithStoppedTaskReasons()
    {
        await using var ecs = await ScriptedEcs.StartAsync(op => op switch
        {
            "DescribeServices" => Service(Td1, running: 1, Deployment(Td1, "COMPLETED"), []),
            "ListTasks" => new JsonObject { ["taskArns"] = new JsonArray("arn:aws:ecs:us-east-1:123456789012:task/shop-test/abc123") },
            "DescribeTasks" => new JsonObject
            {
                ["tasks"] = new JsonArray(new JsonObject
                {
                    ["taskArn"] = "arn:aws:ecs:us-east-1:123456789012:task/shop-test/abc123",
                    ["stoppedReason"] = "Essential container in task exited",
                    ["containers"] = new JsonArray(new JsonObject { ["name"] = "web", ["exitCode"] = 1, ["reason"] = "Error: PORT is not a valid port" }),
                }),
            },
            _ => new JsonObject(),
        });
        using var session = await MotoServer.CreateSessionAsync(ecs.Endpoint);

        var error = await Assert.ThrowsAsync<DeploymentWaitException>(() =>
            new DeploymentWaiter(session, new PlainTextDeployProgress(new StringWriter())).WaitAsync([Target], Fast));

        Assert.Contains("runs shop-test-web:1, not shop-test-web:2", error.Message);
        Assert.Contains("rolled back", error.Message);
        var lines = Assert.Single(error.Diagnosis).ToLines();
        Assert.Contains(lines, l => l.Contains("stopped task abc123", StringComparison.Ordinal) && l.Contains("Essential container in task exited", StringComparison.Ordinal));
        Assert.Contains("    container web: exit 1, Error: PORT is not a valid port", lines);
        Assert.Contains(lines, l => l.StartsWith("  cause: task abc123: container web exited with code 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wait_RolloutFailed_FailsWithTheRolloutReason()
    {
        await using var ecs = await ScriptedEcs.StartAsync(op => op switch
        {
            "DescribeServices" => Service(Td2, running: 0, Deployment(Td2, "FAILED", "ECS deployment circuit breaker: tasks failed to start."), []),
            "ListTasks" => new JsonObject { ["taskArns"] = new JsonArray() },
            _ => new JsonObject(),
        });
        using var session = await MotoServer.CreateSessionAsync(ecs.Endpoint);

        var error = await Assert.ThrowsAsync<DeploymentWaitException>(() =>
            new DeploymentWaiter(session, new PlainTextDeployProgress(new StringWriter())).WaitAsync([Target], Fast));

        Assert.Contains("shop-test-web:2 FAILED (ECS deployment circuit breaker: tasks failed to start.)", error.Message);
    }

    [Fact]
    public async Task Wait_NeverSteady_TimesOutNamingWhatItWaitedFor()
    {
        await using var ecs = await ScriptedEcs.StartAsync(op => op switch
        {
            "DescribeServices" => Service(Td2, running: 0, Deployment(Td2, "IN_PROGRESS"), []),
            "ListTasks" => new JsonObject { ["taskArns"] = new JsonArray() },
            _ => new JsonObject(),
        });
        using var session = await MotoServer.CreateSessionAsync(ecs.Endpoint);

        var error = await Assert.ThrowsAsync<DeploymentWaitException>(() =>
            new DeploymentWaiter(session, new PlainTextDeployProgress(new StringWriter())).WaitAsync([Target], Fast with { Timeout = TimeSpan.FromMilliseconds(200) }));

        Assert.Contains("web: rollout IN_PROGRESS, 0/1 running", error.Message);
        Assert.Contains("Aws:DeployTimeoutMinutes", error.Message);
    }

    [Fact]
    public async Task Wait_NewTasksRunButTargetsNotYetHealthy_PollsAtTheFastInterval()
    {
        // The new task runs but the old deployment still drains: the end is seconds away, so the wait looks more often.
        var polls = 0;
        await using var ecs = await ScriptedEcs.StartAsync(op => op switch
        {
            "DescribeServices" => Interlocked.Increment(ref polls) < 4
                ? Service(Td2, running: 2, Deployment(Td2, "IN_PROGRESS", runningCount: 1), [], Deployment(Td1, "COMPLETED", status: "ACTIVE", runningCount: 1))
                : Service(Td2, running: 1, Deployment(Td2, "COMPLETED", runningCount: 1), []),
            _ => new JsonObject(),
        });
        using var session = await MotoServer.CreateSessionAsync(ecs.Endpoint);
        var slowOnly = new WaitOptions { Timeout = TimeSpan.FromSeconds(30), PollInterval = TimeSpan.FromSeconds(5), FastPollInterval = TimeSpan.FromMilliseconds(20) };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await new DeploymentWaiter(session, new PlainTextDeployProgress(new StringWriter())).WaitAsync([Target], slowOnly);

        // Three waits at the 5 s interval would take 15 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"the wait took {clock.Elapsed}");
        Assert.Equal(4, polls);
    }

    [Fact]
    public void PollDelay_IsTheFastIntervalOnlyNearTheEndAndNeverLongerThanTheNormalOne()
    {
        var options = new WaitOptions { PollInterval = TimeSpan.FromSeconds(10), FastPollInterval = TimeSpan.FromSeconds(2) };

        Assert.Equal(TimeSpan.FromSeconds(10), DeploymentWaiter.PollDelay(options, nearEnd: false));
        Assert.Equal(TimeSpan.FromSeconds(2), DeploymentWaiter.PollDelay(options, nearEnd: true));
        Assert.Equal(TimeSpan.FromSeconds(1), DeploymentWaiter.PollDelay(options with { PollInterval = TimeSpan.FromSeconds(1) }, nearEnd: true));
    }

    private static JsonObject Event(string id, string message, DateTimeOffset? at = null) =>
        new() { ["id"] = id, ["message"] = message, ["createdAt"] = at?.ToUnixTimeMilliseconds() / 1000.0 };

    private static JsonObject Deployment(string td, string rollout, string? reason = null, string status = "PRIMARY", int? runningCount = null) => new()
    {
        ["id"] = "ecs-svc/" + td[^1],
        ["status"] = status,
        ["taskDefinition"] = td,
        ["rolloutState"] = rollout,
        ["rolloutStateReason"] = reason,
        ["runningCount"] = runningCount,
    };

    private static JsonObject Service(string td, int running, JsonObject deployment, JsonObject[] events, JsonObject? other = null) => new()
    {
        ["services"] = new JsonArray(new JsonObject
        {
            ["serviceName"] = "shop-test-web",
            ["taskDefinition"] = td,
            ["desiredCount"] = 1,
            ["runningCount"] = running,
            ["deployments"] = other is null ? new JsonArray(deployment) : new JsonArray(deployment, other),
            ["events"] = new JsonArray([.. events]),
        }),
    };

    /// <summary>An ECS JSON endpoint answering each operation with what the test scripts.</summary>
    private sealed class ScriptedEcs : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ScriptedEcs(WebApplication app, Uri endpoint) => (_app, Endpoint) = (app, endpoint);

        public Uri Endpoint { get; }

        public static async Task<ScriptedEcs> StartAsync(Func<string, JsonObject> answer)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.Run(async context =>
            {
                var target = context.Request.Headers["X-Amz-Target"].ToString();
                context.Response.ContentType = "application/x-amz-json-1.1";
                await context.Response.WriteAsync(answer(target[(target.LastIndexOf('.') + 1)..]).ToJsonString());
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new ScriptedEcs(app, new Uri(address + "/"));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

using System.Diagnostics;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Tests;

/// <summary>
/// node-app stops gracefully under the AppHost: stopped, it answers the request in flight, drains and exits 0; and once
/// the AppHost stops, no node process is left behind.
/// </summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_DrainsTheRequestInFlightAndExitsZero_AndStoppingTheAppHostLeavesNoNodeProcess()
    {
        using var otlp = new OtlpReceiver();
        var app = await NodeAppFixture.StartAsync(otlp.Endpoint, builder => builder
            .CreateResourceBuilder<NodeAppResource>(NodeAppFixture.ResourceName)
            .WithEnvironment("ENABLE_SLOW_ENDPOINT", "true")
            .WithEnvironment("LOG_LEVEL", "debug"));
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        var lines = new List<string>();
        using var stopWatching = new CancellationTokenSource();
        // Console logs are kept per running instance, under the resource id the orchestrator gave it.
        var resourceId = notifications.TryGetCurrentState(NodeAppFixture.ResourceName, out var current) ? current.ResourceId : NodeAppFixture.ResourceName;
        var watching = Task.Run(async () =>
        {
            await foreach (var batch in logs.WatchAsync(resourceId).WithCancellation(stopWatching.Token))
            {
                lock (lines)
                {
                    lines.AddRange(batch.Select(l => l.Content));
                }
            }
        });
        int pid;
        HttpResponseMessage slowResponse;
        CustomResourceSnapshot final;
        try
        {
            pid = Convert.ToInt32(Snapshot(notifications).Properties.Single(p => p.Name == "executable.pid").Value,
                System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains("node", Process.GetProcessById(pid).ProcessName);
            using var http = app.CreateHttpClient(NodeAppFixture.ResourceName);
            http.Timeout = TimeSpan.FromSeconds(30);
            var slow = http.GetAsync("/api/slow?ms=1500");
            await WaitForLineAsync(lines, "\"msg\":\"request started\",\"method\":\"GET\",\"path\":\"/api/slow\"", TimeSpan.FromSeconds(10));

            // What the dashboard's Stop does: the orchestrator sends SIGTERM and records how the process ended.
            var stop = await app.Services.GetRequiredService<ResourceCommandService>()
                .ExecuteCommandAsync(resourceId, KnownResourceCommands.StopCommand, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(stop.Success, stop.Message);
            slowResponse = await slow.WaitAsync(TimeSpan.FromSeconds(30));
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            final = (await notifications.WaitForResourceAsync(NodeAppFixture.ResourceName,
                e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text) && e.Snapshot.ExitCode is not null, exited.Token)).Snapshot;
            await app.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await stopWatching.CancelAsync();
            await app.DisposeAsync();
        }

        Assert.Equal(HttpStatusCode.OK, slowResponse.StatusCode);
        Assert.Equal(0, final.ExitCode);
        lock (lines)
        {
            Assert.Contains(lines, l => l.Contains("\"msg\":\"shutdown started\"", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("\"msg\":\"server closed\"", StringComparison.Ordinal));
        }

        // The orchestrator signals node and waits for its graceful exit; allow the shutdown bound and some slack.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (IsRunning(pid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.False(IsRunning(pid), $"node-app (pid {pid}) is still running after the AppHost stopped");
        _ = watching;
    }

    private static CustomResourceSnapshot Snapshot(ResourceNotificationService notifications) =>
        notifications.TryGetCurrentState(NodeAppFixture.ResourceName, out var e) ? e.Snapshot : throw new InvalidOperationException("no state");

    private static async Task WaitForLineAsync(List<string> lines, string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            lock (lines)
            {
                if (lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }
            }

            await Task.Delay(50);
        }

        lock (lines)
        {
            throw new TimeoutException($"no log line with {text} within {timeout.TotalSeconds} s; lines: {string.Join(" | ", lines.TakeLast(10))}");
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

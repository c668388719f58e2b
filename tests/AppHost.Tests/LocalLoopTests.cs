using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AppHost.Tests;

/// <summary>
/// Edit and see: under a running AppHost, a change to node-app's source is served within seconds while the AppHost
/// and the resource stay up, and its health check and telemetry go on. Runs on a copy of node-app, never on the
/// repository's files.
/// </summary>
public sealed class LocalLoopTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan EditServedWithin = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task SourceEdit_IsServedWithinThreeSeconds_InTheSameResource_WithHealthAndTelemetryGoingOn()
    {
        using var copy = AppCopy.Of(AppCopy.RepoPath("node-app"), linkNodeModules: true);
        using var otlp = new OtlpReceiver();
        var builder = await NodeAppFixture.CreateBuilderAsync(otlp.Endpoint);
        builder.AddNodeApp("watched", copy.Path, "src/server.js")
            .WithHttpEndpoint(env: "PORT", isProxied: false)
            .WithServiceDefaults()
            .WithInspector(port: null);
        await using var app = await builder.BuildAsync().WaitAsync(StartTimeout);
        await app.StartAsync().WaitAsync(StartTimeout);
        await NodeAppFixture.WaitUntilHealthyAsync(app, "watched", StartTimeout);
        using var http = app.CreateHttpClient("watched");
        http.Timeout = TimeSpan.FromSeconds(5);
        Assert.Contains("<dt>Version</dt>", await http.GetStringAsync("/"));
        var pidBefore = Pid(app);

        var appJs = Path.Combine(copy.Path, "src", "app.js");
        File.WriteAllText(appJs, File.ReadAllText(appJs).Replace("<dt>Version</dt>", "<dt>Release</dt>", StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        var served = false;
        while (!served && clock.Elapsed < EditServedWithin)
        {
            try
            {
                served = (await http.GetStringAsync("/")).Contains("<dt>Release</dt>", StringComparison.Ordinal);
            }
            catch (HttpRequestException)
            {
                // restarting: the port is closed for a moment
            }

            if (!served)
            {
                await Task.Delay(20);
            }
        }

        clock.Stop();
        output.WriteLine($"edit served after {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(served, $"the edit was not served within {EditServedWithin.TotalSeconds} s");
        Assert.Equal(pidBefore, Pid(app)); // the resource's process (node's watcher) is the same one: nothing restarted but the app
        Assert.Equal(KnownResourceStates.Running, State(app).State?.Text);

        // Telemetry and the health check go on after the restart.
        var traceId = new byte[16];
        Random.Shared.NextBytes(traceId);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/info");
        request.Headers.Add("traceparent", $"00-{Convert.ToHexStringLower(traceId)}-00f067aa0ba902b7-01");
        (await http.SendAsync(request)).EnsureSuccessStatusCode();
        Assert.True(await otlp.WaitForAsync("/v1/traces", traceId, TimeSpan.FromSeconds(30)), $"no span after the restart ({otlp.Describe()})");
        using var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceHealthyAsync("watched", healthy.Token);
    }

    private static CustomResourceSnapshot State(DistributedApplication app) =>
        app.Services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState("watched", out var e)
            ? e.Snapshot
            : throw new InvalidOperationException("no state for watched");

    private static object? Pid(DistributedApplication app) => State(app).Properties.Single(p => p.Name == "executable.pid").Value;
}

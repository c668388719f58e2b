using Aspire.ServiceDefaults;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Net;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Containers;
using NodeApp.Container.Tests.Infrastructure;

namespace NodeApp.Container.Tests;

/// <summary>PORT from the environment wins over the image's default.</summary>
public sealed class PortOverrideTests
{
    [Fact]
    public async Task PortEnv_8080_ServesOn8080()
    {
        var image = await NodeAppImage.GetAsync();
        await using var container = NodeAppContainer.Create(image, port: 8080).WithEnvironment(ServiceContract.PortVariable, "8080").Build();

        await container.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));

        using var http = NodeAppContainer.HttpClientFor(container, 8080);
        using var response = await http.GetAsync("/api/info");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>The app writes nothing at runtime: a read-only root filesystem (ECS readonlyRootFilesystem) serves.</summary>
public sealed class ReadOnlyRootFilesystemTests
{
    [Fact]
    public async Task ReadOnlyRootFilesystem_WithoutAnyTmpfs_ServesHealthAndHome()
    {
        var image = await NodeAppImage.GetAsync();
        await using var container = NodeAppContainer.Create(image)
            .WithCreateParameterModifier(p => (p.HostConfig ??= new HostConfig()).ReadonlyRootfs = true)
            .Build();

        await container.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));

        using var http = NodeAppContainer.HttpClientFor(container);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(ServiceContract.HealthPath)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
        // The filesystem really is read-only: even world-writable /tmp refuses a write.
        var write = await container.ExecAsync(
            ["node", "-e", "try{require('fs').writeFileSync('/tmp/probe','x')}catch(e){process.stdout.write(e.code)}"]);
        Assert.Equal("EROFS", write.Stdout);
    }
}

/// <summary>Graceful shutdown: SIGTERM (what docker stop and ECS send) reaches node on PID 1.</summary>
public sealed class ShutdownTests
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Sigterm_WhileSlowRequestInFlight_RequestCompletesAndContainerExitsZeroWithinTenSeconds()
    {
        var image = await NodeAppImage.GetAsync();
        // /api/slow is a test hook, off unless asked for.
        await using var container = NodeAppContainer.Create(image).WithEnvironment("ENABLE_SLOW_ENDPOINT", "true").Build();
        await container.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        using var http = NodeAppContainer.HttpClientFor(container);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(ServiceContract.HealthPath)).StatusCode); // warm connection
        var slow = http.GetAsync("/api/slow?ms=3000");
        await Task.Delay(1000); // let the request reach the server before the signal, even on a busy machine
        Assert.False(slow.IsCompleted, "the slow request finished before SIGTERM was sent");
        var clock = Stopwatch.StartNew();
        await NodeAppContainer.SignalAsync(container, "SIGTERM");

        using var response = await slow.WaitAsync(StopBound);
        var exitCode = await NodeAppContainer.WaitForExitAsync(container, StopBound);
        clock.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, exitCode);
        Assert.True(clock.Elapsed < StopBound, $"exited {clock.Elapsed.TotalSeconds:F1} s after SIGTERM");
    }

    [Fact]
    public async Task DockerStop_IdleContainer_ReturnsWithinTenSecondsWithExitCodeZero()
    {
        var image = await NodeAppImage.GetAsync();
        await using var container = NodeAppContainer.Create(image).Build();
        await container.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));

        // The orchestrator's grace period (ECS: 30 s): an ignored SIGTERM would show as a 30 s stop and exit code 137.
        var grace = ServiceContract.StopTimeout;
        var clock = Stopwatch.StartNew();
        await DockerEngine.Client.Containers.StopContainerAsync(
            container.Id, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)grace.TotalSeconds })
            .WaitAsync(grace + TimeSpan.FromSeconds(10));
        clock.Stop();
        var exitCode = await NodeAppContainer.WaitForExitAsync(container, StopBound);

        Assert.Equal(0, exitCode);
        Assert.True(clock.Elapsed < StopBound, $"docker stop took {clock.Elapsed.TotalSeconds:F1} s");
    }
}

/// <summary>Start-up: ready quickly, with telemetry off and on.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Health_AnswersWithinTenSecondsOfStart()
    {
        var image = await NodeAppImage.GetAsync();
        await using var container = NodeAppContainer.CreateUnwaited(image).Build();

        var clock = Stopwatch.StartNew();
        await container.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        using var http = NodeAppContainer.HttpClientFor(container);
        http.Timeout = TimeSpan.FromSeconds(2);
        var healthy = await PollUntilHealthyAsync(http, TimeSpan.FromSeconds(10));
        clock.Stop();

        // Generous bound: the benchmark (bench/image.sh) measures the real figure.
        Assert.True(healthy, $"/health did not answer 200 within {clock.Elapsed.TotalSeconds:F1} s of start");
    }

    // A collector inside the container's own network namespace (its loopback), so no traffic leaves loopback: it
    // answers every export and exits 0 once a trace export carries the trace id it was given, 1 after 30 s.
    private const string Collector = """
        const want = Buffer.from(process.argv[1], 'hex');
        require('http').createServer((req, res) => {
          const chunks = [];
          req.on('data', (c) => chunks.push(c)).on('end', () => {
            res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
            if (req.url === '/v1/traces' && Buffer.concat(chunks).includes(want)) { console.log('exported'); process.exit(0); }
          });
        }).listen(4318, '127.0.0.1');
        setTimeout(() => { console.log('no trace export with that id'); process.exit(1); }, 30000);
        """;

    [Fact]
    public async Task TelemetryEnabled_ExportsTheRequestSpanFromThePrunedImage()
    {
        // Loads the whole OpenTelemetry SDK from the image's pruned node_modules, and must really export.
        var image = await NodeAppImage.GetAsync();
        var container = NodeAppContainer.Create(image)
            .WithEnvironment(ServiceContract.Telemetry.EndpointVariable, "http://127.0.0.1:4318")
            .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", ServiceContract.Telemetry.OtlpProtocol)
            .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "200")
            .Build();
        try
        {
            await container.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
            using var http = NodeAppContainer.HttpClientFor(container);
            var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var collector = container.ExecAsync(["node", "-e", Collector, traceId]);

            // Until the collector (started just now) has seen the trace: each request joins the same trace.
            var deadline = Stopwatch.StartNew();
            while (!collector.IsCompleted && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/info");
                request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
                using var response = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await Task.WhenAny(collector, Task.Delay(500));
            }

            var result = await collector.WaitAsync(TimeSpan.FromSeconds(40));
            Assert.True(result.ExitCode == 0, $"collector: {result.Stdout}{result.Stderr}");
            Assert.Equal("exported", result.Stdout.Trim());
        }
        finally
        {
            // Not a graceful stop: nothing here needs one.
            await NodeAppContainer.ForceRemoveAsync(container);
        }
    }

    private static async Task<bool> PollUntilHealthyAsync(HttpClient http, TimeSpan bound)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < bound)
        {
            try
            {
                using var response = await http.GetAsync(ServiceContract.HealthPath);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // timed out: try again
            }

            await Task.Delay(50);
        }

        return false;
    }
}

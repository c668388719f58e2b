using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Tests;

/// <summary>
/// Starts the real AppHost (DCP, no dashboard) once per test class, with the dashboard's OTLP endpoint pointed at
/// an <see cref="OtlpReceiver"/> the tests control, and waits until node-app is healthy. node-app and its inspector
/// get free ports, so the tests run beside a developer's AppHost (4000, 9229) or another test run.
/// </summary>
public sealed class NodeAppFixture : IAsyncLifetime
{
    public const string ResourceName = "node-app";

    /// <summary>The UPSTREAM_URL node-app gets here: nothing listens there.</summary>
    public const string UnreachableUpstream = "http://127.0.0.1:9/";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    public OtlpReceiver Otlp { get; } = new();

    public DistributedApplication App { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // An upstream that refuses connections (loopback's discard port): GET /api/upstream then logs a warning in
        // the request's trace, a log record the tests can tell from any other.
        App = await StartAsync(Otlp.Endpoint, builder => builder.CreateResourceBuilder<NodeAppResource>(ResourceName)
            .WithEnvironment("UPSTREAM_URL", UnreachableUpstream));
        Client = App.CreateHttpClient(ResourceName);
    }

    /// <summary>
    /// Builds and starts the AppHost, then waits for node-app, failing fast if it cannot start. <paramref name="configure"/>
    /// may change the model first.
    /// </summary>
    public static async Task<DistributedApplication> StartAsync(Uri otlpEndpoint, Action<IDistributedApplicationTestingBuilder>? configure = null)
    {
        var builder = await CreateBuilderAsync(otlpEndpoint);
        configure?.Invoke(builder);

        var app = await builder.BuildAsync().WaitAsync(StartTimeout);
        await app.StartAsync().WaitAsync(StartTimeout);
        await WaitUntilHealthyAsync(app, ResourceName, StartTimeout);
        return app;
    }

    /// <summary>
    /// The real AppHost's model, node-app on free ports, telemetry to <paramref name="otlpEndpoint"/> when given; tests
    /// may add resources of their own to it.
    /// </summary>
    public static Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(Uri? otlpEndpoint = null) =>
        DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
        [
            // node-app exports over OTLP/HTTP to the dashboard's endpoint: here, the test's receiver.
            $"ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL={otlpEndpoint?.ToString() ?? "http://127.0.0.1:9"}",
            "NodeApp:Port=0",
            "NodeApp:InspectorPort=0",
        ]).WaitAsync(StartTimeout);

    /// <summary>
    /// Waits for Running then Healthy; a resource that fails to start or exits fails the wait at once with its
    /// state, instead of hanging until the timeout.
    /// </summary>
    public static async Task WaitUntilHealthyAsync(DistributedApplication app, string name, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        var started = await notifications.WaitForResourceAsync(name,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running || KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text),
            cts.Token);
        Assert.True(started.Snapshot.State?.Text == KnownResourceStates.Running,
            $"{name} did not start: state {started.Snapshot.State?.Text}, exit code {started.Snapshot.ExitCode}");

        await notifications.WaitForResourceHealthyAsync(name, cts.Token);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        Otlp.Dispose();
    }
}

using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Aspire.ServiceDefaults;

namespace AppHost.Tests;

/// <summary>The AppHost's model, without starting anything: node-app is declared with the service contract.</summary>
public sealed class AppModelTests
{
    [Fact]
    public async Task NodeApp_IsDeclaredWithPort4000ExternalAndHealthCheckOnContractPath()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>();
        var app = builder.Resources.OfType<NodeAppResource>().Single(r => r.Name == "node-app");

        var endpoint = Assert.Single(app.Annotations.OfType<EndpointAnnotation>());
        Assert.Equal(4000, endpoint.Port);
        Assert.True(endpoint.IsExternal);
        Assert.Contains(app.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key.Contains(ServiceContract.HealthPath));
        var probes = app.Annotations.OfType<EndpointProbeAnnotation>().ToDictionary(p => p.Type, p => p.Path);
        Assert.Equal(ServiceContract.HealthPath, probes[ProbeType.Readiness]);
        Assert.Equal(ServiceContract.AlivePath, probes[ProbeType.Liveness]);
        Assert.Equal(["--import", NodeAppHostingExtensions.TelemetryModule, "src/server.js"], await ArgsAsync(app));
    }

    [Fact]
    public async Task NodeApp_GetsPortOtlpAndShutdownBoundInItsEnvironment()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://localhost:19999"]);
        var app = builder.Resources.OfType<NodeAppResource>().Single();

#pragma warning disable CS0618 // The replacement (ExecutionConfigurationBuilder) needs a running app's services.
        var env = await app.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Run);
#pragma warning restore CS0618

        Assert.Equal("http://localhost:19999", env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal(ServiceContract.Telemetry.OtlpProtocol, env["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.True(env.ContainsKey("OTEL_SERVICE_NAME")); // Filled in by the orchestrator at start.
        Assert.Equal(ServiceContract.GracefulShutdownTimeout.TotalMilliseconds.ToString(), env[ServiceContract.GracefulShutdownVariable]);
        Assert.True(env.ContainsKey(ServiceContract.PortVariable));
    }

    private static async Task<string[]> ArgsAsync(IResource resource)
    {
        var args = new List<object>();
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(new CommandLineArgsCallbackContext(args));
        }

        return [.. args.Select(a => a.ToString()!)];
    }
}

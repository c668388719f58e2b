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

        var endpoint = app.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http");
        Assert.Equal(4000, endpoint.Port);
        Assert.True(endpoint.IsExternal);
        Assert.Contains(app.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key.Contains(ServiceContract.HealthPath));
        var probes = app.Annotations.OfType<EndpointProbeAnnotation>().ToDictionary(p => p.Type, p => p.Path);
        Assert.Equal(ServiceContract.HealthPath, probes[ProbeType.Readiness]);
        Assert.Equal(ServiceContract.AlivePath, probes[ProbeType.Liveness]);
    }

    [Fact]
    public async Task RunMode_WatchesSourcesAndOpensTheInspectorOnLoopback_OnPort9229ByDefault()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>();
        var app = builder.Resources.OfType<NodeAppResource>().Single();

        var inspector = app.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == NodeAppResource.InspectorEndpointName);
        Assert.Equal(NodeAppHostingExtensions.DefaultInspectorPort, inspector.Port);
        Assert.False(inspector.IsProxied);
        Assert.Equal(
            ["--watch-path=src", "--watch-preserve-output", "--inspect=127.0.0.1:{node-app.bindings.inspector.targetPort}",
                "--import", NodeAppHostingExtensions.TelemetryModule, "src/server.js"],
            await ArgsAsync(app));
        Assert.Equal(NodeAppHostingExtensions.LocalHost, (await EnvironmentAsync(app, DistributedApplicationOperation.Run))["HOST"]);
    }

    [Fact]
    public async Task PublishMode_RunsTheImageCommandOnly_NoWatchNoInspectorAllInterfaces()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--operation", "publish", "--step", Aspire.Deployer.Hosting.AwsEcsEnvironmentResource.PlanStep]);
        // Published, node-app is the container its Dockerfile builds, carrying the resource's annotations.
        var app = (IResourceWithEnvironment)builder.Resources.Single(r => r.Name == "node-app");

        // The image runs its Dockerfile's command: no arguments from the model, and no watch or inspector in the command.
        Assert.Empty(await ArgsAsync(app));
        var command = File.ReadAllLines(Path.Combine(builder.AppHostDirectory, "..", "node-app", "Dockerfile")).Single(l => l.StartsWith("CMD ", StringComparison.Ordinal));
        Assert.DoesNotContain("--watch", command);
        Assert.DoesNotContain("--inspect", command);
        Assert.Equal("http", Assert.Single(app.Annotations.OfType<EndpointAnnotation>()).Name);
        Assert.DoesNotContain("HOST", (await EnvironmentAsync(app, DistributedApplicationOperation.Publish)).Keys);
        Assert.DoesNotContain(builder.Resources, r => r is NodeInstallerResource);
    }

    [Fact]
    public async Task PortSettings_Zero_LeaveThePortsToTheOrchestrator()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["NodeApp:Port=0", "NodeApp:InspectorPort=0"]);
        var endpoints = builder.Resources.OfType<NodeAppResource>().Single().Annotations.OfType<EndpointAnnotation>().ToList();

        Assert.All(endpoints, e => Assert.Null(e.Port));
        Assert.Equal(["http", NodeAppResource.InspectorEndpointName], endpoints.Select(e => e.Name));
    }

    [Fact]
    public async Task PortSetting_ThatIsNotAPort_IsAClearError()
    {
        var error = await Record.ExceptionAsync(() => DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(["NodeApp:Port=4k"]));

        Assert.NotNull(error);
        Assert.Contains("NodeApp:Port must be a port number from 1 to 65535, or 0 for any free port; got '4k'", Flatten(error));
    }

    [Fact]
    public async Task NodeApp_GetsPortOtlpAndShutdownBoundInItsEnvironment()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://localhost:19999"]);
        var app = builder.Resources.OfType<NodeAppResource>().Single();

        var env = await EnvironmentAsync(app, DistributedApplicationOperation.Run);

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

        return [.. args.Select(a => a is ReferenceExpression expression ? expression.ValueExpression : a.ToString()!)];
    }

    private static async Task<Dictionary<string, string>> EnvironmentAsync(IResourceWithEnvironment resource, DistributedApplicationOperation operation)
    {
#pragma warning disable CS0618 // The replacement (ExecutionConfigurationBuilder) needs a running app's services.
        return await resource.GetEnvironmentVariableValuesAsync(operation);
#pragma warning restore CS0618
    }

    private static string Flatten(Exception error) =>
        error.InnerException is null ? error.Message : $"{error.Message} <- {Flatten(error.InnerException)}";
}

using Aspire.Hosting.ApplicationModel;
using Aspire.ServiceDefaults;

namespace Aspire.Hosting;

/// <summary>Adds Node.js apps to the model and wires them to the solution's service defaults.</summary>
public static class NodeAppHostingExtensions
{
    /// <summary>The module node loads before the app so telemetry is set up before any other import.</summary>
    public const string TelemetryModule = "./src/instrumentation.js";

    /// <summary>
    /// Adds a Node.js app run as <c>node --import ./src/instrumentation.js &lt;entryPoint&gt;</c>. When running
    /// locally, dependencies are installed first (<c>npm ci</c>) if node_modules is missing or older than
    /// package-lock.json, and node is checked against the app's <c>engines.node</c> before it starts.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="appDirectory">The folder holding package.json, relative to the AppHost project.</param>
    /// <param name="entryPoint">The script node runs, relative to <paramref name="appDirectory"/>.</param>
    public static IResourceBuilder<NodeAppResource> AddNodeApp(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, string appDirectory, string entryPoint)
    {
        var directory = Path.GetFullPath(appDirectory, builder.AppHostDirectory);
        var app = builder.AddResource(new NodeAppResource(name, directory, entryPoint))
            .WithArgs("--import", TelemetryModule, entryPoint);

        if (builder.ExecutionContext.IsRunMode)
        {
            var requirement = NodeRequirement.FromPackageJson(directory);
            app.OnBeforeResourceStarted((resource, e, ct) => requirement.EnsureSatisfiedAsync(resource, e.Services, ct));

            if (NpmInstallState.IsStale(directory))
            {
                var install = builder.AddExecutable($"{name}-npm-install", "npm", directory, "ci", "--no-audit", "--no-fund")
                    .WithParentRelationship(app);
                install.OnBeforeResourceStarted((resource, e, ct) => requirement.EnsureSatisfiedAsync(resource, e.Services, ct));
                app.WaitForCompletion(install);
            }
        }

        return app;
    }

    /// <summary>
    /// Applies the solution's service contract (<see cref="ServiceContract"/>): a readiness probe on its health path
    /// (the dashboard's health check locally; the load balancer's on AWS) and a liveness probe, telemetry exported
    /// to the dashboard over OTLP, and the graceful shutdown bound.
    /// </summary>
    public static IResourceBuilder<T> WithServiceDefaults<T>(this IResourceBuilder<T> builder)
        where T : IResourceWithEnvironment, IResourceWithEndpoints, IResourceWithProbes
    {
        return builder
            .WithHttpProbe(ProbeType.Readiness, ServiceContract.HealthPath,
                periodSeconds: ServiceContract.HealthCheck.IntervalSeconds, timeoutSeconds: ServiceContract.HealthCheck.TimeoutSeconds,
                failureThreshold: ServiceContract.HealthCheck.UnhealthyThreshold, successThreshold: ServiceContract.HealthCheck.HealthyThreshold)
            .WithHttpProbe(ProbeType.Liveness, ServiceContract.AlivePath)
            .WithOtlpExporter(ServiceContract.Telemetry.OtlpProtocol switch
            {
                "grpc" => OtlpProtocol.Grpc,
                "http/protobuf" => OtlpProtocol.HttpProtobuf,
                var other => throw new NotSupportedException($"OTLP protocol '{other}' is not supported by Aspire."),
            })
            .WithEnvironment(ServiceContract.GracefulShutdownVariable,
                ((int)ServiceContract.GracefulShutdownTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

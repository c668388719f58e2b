using System.Globalization;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>Adds Node.js apps to the model and wires them to the solution's service defaults.</summary>
public static class NodeAppHostingExtensions
{
    /// <summary>
    /// The module node loads before the app, when the app has it, so telemetry is set up before any other import.
    /// </summary>
    public const string TelemetryModule = "./src/instrumentation.js";

    /// <summary>The inspector's port unless one is given: node's own default, which VS Code and Chrome look at first.</summary>
    public const int DefaultInspectorPort = 9229;

    /// <summary>The address a Node app listens on when run locally: loopback only (HOST).</summary>
    public const string LocalHost = "127.0.0.1";

    /// <summary>
    /// Adds a Node.js app run as <c>node --import ./src/instrumentation.js &lt;entryPoint&gt;</c> (the preload only when
    /// the app has that file). When running locally:
    /// it listens on loopback only (<c>HOST=127.0.0.1</c>); node restarts it when a file next to the entry point
    /// changes (<see cref="WithWatch"/>); and at every start, node is checked against <c>engines.node</c>, then the
    /// package manager of its lockfile (npm, yarn or pnpm, or the one chosen with <see cref="WithNpm"/>,
    /// <see cref="WithYarn"/>, <see cref="WithPnpm"/>) runs its frozen install when node_modules is missing or older
    /// than the lockfile. The install shows as the child resource <c>&lt;name&gt;-install</c>. None of this reaches
    /// a published image, which runs its Dockerfile's command.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="appDirectory">The folder holding package.json, relative to the AppHost project.</param>
    /// <param name="entryPoint">The script node runs, relative to <paramref name="appDirectory"/>.</param>
    public static IResourceBuilder<NodeAppResource> AddNodeApp(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, string appDirectory, string entryPoint)
    {
        var directory = Path.GetFullPath(appDirectory, builder.AppHostDirectory);
        var resource = new NodeAppResource(name, directory, entryPoint);
        var runMode = builder.ExecutionContext.IsRunMode;
        var preload = File.Exists(Path.Combine(directory, TelemetryModule)) ? TelemetryModule : null;
        var app = builder.AddResource(resource).WithArgs(context => AddNodeArgs(resource, preload, context.Args, runMode));
        if (!runMode)
        {
            return app;
        }

        app.WithEnvironment("HOST", LocalHost);
        var requirement = NodeRequirement.FromPackageJson(directory);
        var installer = builder.AddResource(new NodeInstallerResource($"{name}-install", resource))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "NodeInstall",
                Properties = [],
                State = new ResourceStateSnapshot(KnownResourceStates.Waiting, KnownResourceStateStyles.Info),
            })
            .ExcludeFromManifest();

        // Once the whole model is known: the package manager (the lockfile's unless one was chosen) and what starts
        // the app (node, or the package manager for a run script).
        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            resource.PackageManager ??= NodePackageManager.Detect(directory);
            if (resource.RunScript is { } script)
            {
                CheckRunScript(resource, script);
                app.WithCommand(resource.PackageManager.Executable);
            }

            return Task.CompletedTask;
        });

        // At every start (a restart from the dashboard included), not only when the model is built.
        app.OnBeforeResourceStarted(async (r, e, ct) =>
        {
            await requirement.EnsureSatisfiedAsync(r, e.Services, ct).ConfigureAwait(false);
            await NodeInstaller.EnsureInstalledAsync(r, installer.Resource, e.Services, ct).ConfigureAwait(false);
        });
        return app;
    }

    /// <summary>Installs with npm (<c>npm ci</c>) and runs scripts with <c>npm run</c>, whatever lockfile is there.</summary>
    public static IResourceBuilder<NodeAppResource> WithNpm(this IResourceBuilder<NodeAppResource> builder) =>
        WithPackageManager(builder, NodePackageManager.Npm);

    /// <summary>
    /// Installs with yarn (<c>yarn install --immutable</c>; <c>--frozen-lockfile</c> for a Yarn 1 lockfile) and runs
    /// scripts with <c>yarn run</c>. Yarn 2+ must use the node_modules linker (<c>nodeLinker: node-modules</c>).
    /// </summary>
    public static IResourceBuilder<NodeAppResource> WithYarn(this IResourceBuilder<NodeAppResource> builder) =>
        WithPackageManager(builder, NodePackageManager.ForYarnLock(builder.Resource.WorkingDirectory));

    /// <summary>Installs with pnpm (<c>pnpm install --frozen-lockfile</c>) and runs scripts with <c>pnpm run</c>.</summary>
    public static IResourceBuilder<NodeAppResource> WithPnpm(this IResourceBuilder<NodeAppResource> builder) =>
        WithPackageManager(builder, NodePackageManager.Pnpm);

    private static IResourceBuilder<NodeAppResource> WithPackageManager(IResourceBuilder<NodeAppResource> builder, NodePackageManager packageManager)
    {
        builder.Resource.PackageManager = packageManager;
        return builder;
    }

    /// <summary>
    /// Runs a package.json script (<c>npm run dev</c>, <c>yarn run dev</c>, <c>pnpm run dev</c>) instead of node on the
    /// entry point, when running locally. The script's own command then decides node's flags: it must load the
    /// telemetry module itself (<c>--import ./src/instrumentation.js</c>) and watch if it wants to, and
    /// <see cref="WithInspector"/> cannot apply (put <c>--inspect</c> in the script).
    /// </summary>
    /// <param name="builder">The resource builder.</param>
    /// <param name="script">The script's name in package.json.</param>
    /// <param name="args">Arguments passed on to the script.</param>
    public static IResourceBuilder<NodeAppResource> WithRunScript(this IResourceBuilder<NodeAppResource> builder, string script, params string[] args)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(script);
        builder.Resource.RunScript = script;
        builder.Resource.RunScriptArgs = args;
        return builder;
    }

    /// <summary>
    /// Turns node's watch mode on or off (on by default when running locally). On, node restarts the app as soon as a
    /// file in the entry point's folder changes (<c>--watch-path</c>; <c>--watch</c>, which follows the imports, when
    /// the entry point is at the top of the app's folder). The AppHost, the dashboard and the resource stay up across
    /// restarts, with the same port, telemetry and health check.
    /// </summary>
    public static IResourceBuilder<NodeAppResource> WithWatch(this IResourceBuilder<NodeAppResource> builder, bool enabled = true)
    {
        builder.Resource.Watch = enabled;
        return builder;
    }

    /// <summary>
    /// When running locally, starts node's inspector (<c>--inspect</c>) on an endpoint of its own,
    /// <see cref="NodeAppResource.InspectorEndpointName"/>, bound to 127.0.0.1 only. The dashboard links its target list
    /// (<c>/json/list</c>); VS Code (an "attach" configuration on that port) and Chrome (chrome://inspect) attach to it.
    /// With watch mode each restart keeps the port. Does nothing when publishing.
    /// </summary>
    /// <param name="builder">The resource builder.</param>
    /// <param name="port">The inspector's port; null for a free one, chosen at start.</param>
    public static IResourceBuilder<NodeAppResource> WithInspector(this IResourceBuilder<NodeAppResource> builder, int? port = DefaultInspectorPort)
    {
        if (!builder.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return builder;
        }

        builder.Resource.Inspector = true;
        return builder
            .WithEndpoint(port: port, targetPort: port, scheme: "http", name: NodeAppResource.InspectorEndpointName, isExternal: false, isProxied: false)
            .WithUrlForEndpoint(NodeAppResource.InspectorEndpointName, url =>
            {
                url.Url = $"{url.Url.TrimEnd('/')}/json/list";
                url.DisplayText = "node inspector (attach a debugger)";
            });
    }

    /// <summary>
    /// The local port a setting asks for, when running locally: its number, or null for "any free port" when it is 0;
    /// <paramref name="defaultPort"/> when it is not set, and always when publishing (a deployed app keeps its port).
    /// Lets tests and a second working copy run beside a developer's AppHost.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="key">The configuration key (command line <c>--Key=N</c>, environment <c>Key__Part=N</c>, appsettings).</param>
    /// <param name="defaultPort">The port when the setting is absent.</param>
    public static int? GetLocalPort(this IDistributedApplicationBuilder builder, string key, int defaultPort)
    {
        var value = builder.Configuration[key];
        if (!builder.ExecutionContext.IsRunMode || string.IsNullOrWhiteSpace(value))
        {
            return defaultPort;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new DistributedApplicationException(
                $"{key} must be a port number from 1 to 65535, or 0 for any free port; got '{value}'.");
        }

        return port == 0 ? null : port;
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
                failureThreshold: ServiceContract.HealthCheck.UnhealthyThreshold, successThreshold: ServiceContract.HealthCheck.HealthyThreshold,
                endpointName: "http")
            .WithHttpProbe(ProbeType.Liveness, ServiceContract.AlivePath, endpointName: "http")
            .WithOtlpExporter(ServiceContract.Telemetry.OtlpProtocol switch
            {
                "grpc" => OtlpProtocol.Grpc,
                "http/protobuf" => OtlpProtocol.HttpProtobuf,
                var other => throw new NotSupportedException($"OTLP protocol '{other}' is not supported by Aspire."),
            })
            .WithEnvironment(ServiceContract.GracefulShutdownVariable,
                ((int)ServiceContract.GracefulShutdownTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// node's arguments: locally the watch and inspector flags first, then the telemetry preload and the entry point;
    /// with a run script, <c>run &lt;script&gt; [args]</c> for the package manager instead.
    /// </summary>
    private static void AddNodeArgs(NodeAppResource resource, string? preload, IList<object> args, bool runMode)
    {
        if (runMode && resource.RunScript is { } script)
        {
            args.Add("run");
            args.Add(script);
            if (resource.RunScriptArgs.Count > 0)
            {
                // npm needs "--" before the script's arguments; yarn and pnpm would pass it on to the script.
                if (resource.PackageManager?.Name == "npm")
                {
                    args.Add("--");
                }

                foreach (var arg in resource.RunScriptArgs)
                {
                    args.Add(arg);
                }
            }

            return;
        }

        if (runMode && resource.Watch != false)
        {
            var folder = Path.GetDirectoryName(resource.EntryPoint);
            // --watch-path never touches node_modules; at the top of the app's folder it would watch all of it.
            args.Add(string.IsNullOrEmpty(folder) ? "--watch" : $"--watch-path={folder}");
            args.Add("--watch-preserve-output");
        }

        if (runMode && resource.Inspector)
        {
            var port = resource.GetEndpoint(NodeAppResource.InspectorEndpointName).Property(EndpointProperty.TargetPort);
            args.Add(ReferenceExpression.Create($"--inspect={LocalHost}:{port}"));
        }

        if (preload is not null)
        {
            args.Add("--import");
            args.Add(preload);
        }

        args.Add(resource.EntryPoint);
    }

    private static void CheckRunScript(NodeAppResource resource, string script)
    {
        if (resource.Watch == true || resource.Inspector)
        {
            throw new DistributedApplicationException(
                $"{resource.Name} runs the script '{script}', which starts node itself, so {(resource.Inspector ? "WithInspector()" : "WithWatch()")} " +
                $"cannot add node's flags: put {(resource.Inspector ? "--inspect" : "--watch")} in the script's command in package.json, or drop WithRunScript.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(resource.WorkingDirectory, "package.json")));
        var scripts = document.RootElement.TryGetProperty("scripts", out var s) && s.ValueKind == JsonValueKind.Object
            ? s.EnumerateObject().Select(p => p.Name).ToList()
            : [];
        if (!scripts.Contains(script))
        {
            throw new DistributedApplicationException(
                $"{resource.Name}: package.json has no script '{script}' for WithRunScript; it has " +
                (scripts.Count == 0 ? "none." : $"{string.Join(", ", scripts)}."));
        }
    }
}

using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;

namespace Aspire.Deployer.Tests.Images.Infrastructure;

/// <summary>How a tiny test image misbehaves (or not).</summary>
public enum AppBehaviour
{
    /// <summary>Serves /health with 200 on PORT, but only when GREETING is set (proves the environment arrives).</summary>
    Healthy,

    /// <summary>Prints a line and exits with code 3 at start.</summary>
    ExitsAtStart,

    /// <summary>Listens on 5999 instead of PORT.</summary>
    WrongPort,

    /// <summary>Listens on PORT, /health answers 500.</summary>
    FailingHealth,

    /// <summary>A RUN step fails: the build breaks.</summary>
    BuildFails,
}

/// <summary>
/// A build context in a temp folder: a Dockerfile FROM the node-app base image and a one-file node server, plus the
/// <see cref="ServiceDescription"/> the pipeline deploys it as. Unique names per instance isolate tests in a shared registry.
/// </summary>
public sealed class TestApp : IDisposable
{
    private const string Server =
        """
        const http = require('node:http');
        if (!process.env.GREETING) { console.error('GREETING is not set'); process.exit(4); }
        const port = process.env.BEHAVIOUR === 'WrongPort' ? 5999 : Number(process.env.PORT);
        const status = process.env.BEHAVIOUR === 'FailingHealth' ? 500 : 200;
        http.createServer((req, res) => { res.statusCode = req.url === '/health' ? status : 404; res.end(process.env.GREETING); })
          .listen(port, () => console.log(`listening on ${port}`));
        process.on('SIGTERM', () => process.exit(0));
        """;

    private TestApp(string directory, ServiceDescription service)
    {
        Directory = directory;
        Service = service;
    }

    /// <summary>The build context.</summary>
    public string Directory { get; }

    /// <summary>The service as the pipeline sees it (container port 4000, health /health, PORT and GREETING set).</summary>
    public ServiceDescription Service { get; private set; }

    /// <summary>The repository path inside a registry (app/environment/resource).</summary>
    public string Repository => Service.Names.Repository;

    /// <summary>Writes the context and returns the app.</summary>
    public static TestApp Create(AppBehaviour behaviour, CpuArchitecture architecture = CpuArchitecture.X86_64)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("issue5-app-").FullName;
        var cmd = behaviour == AppBehaviour.ExitsAtStart
            ? """CMD ["node", "-e", "console.error('boom: the app cannot start'); process.exit(3)"]"""
            : """CMD ["node", "server.js"]""";
        var run = behaviour == AppBehaviour.BuildFails ? """RUN node -e "console.error('build step broke'); process.exit(7)" """ + "\n" : string.Empty;
        File.WriteAllText(Path.Combine(directory, "Dockerfile"),
            $"""
            ARG BASE=node:latest
            FROM ${"{BASE}"}
            WORKDIR /app
            ENV BEHAVIOUR={behaviour}
            COPY server.js ./
            {run}{cmd}

            """);
        File.WriteAllText(Path.Combine(directory, "server.js"), Server);
        File.WriteAllText(Path.Combine(directory, ".dockerignore"), "*.log\n");
        File.WriteAllText(Path.Combine(directory, "ignored.log"), "ignored by .dockerignore");

        var names = new AwsNames($"t{Guid.NewGuid().ToString("N")[..10]}", "images", behaviour.ToString().ToLowerInvariant() switch
        {
            "exitsatstart" => "exits",
            "wrongport" => "wrong-port",
            "failinghealth" => "failing-health",
            "buildfails" => "build-fails",
            var other => other,
        });
        var service = new ServiceDescription(
            names,
            new ImageSource(directory, "Dockerfile", new Dictionary<string, string> { ["BASE"] = TestEnvironment.NodeBaseImage }),
            ContainerPort: 4000,
            ListenerPort: 4000,
            HealthCheckPath: "/health",
            Environment: new Dictionary<string, string> { ["PORT"] = "4000", ["GREETING"] = "hello from the smoke test" },
            Size: FargateSize.Default,
            Options: new EcsServiceOptions { Architecture = architecture });
        return new TestApp(directory, service);
    }

    /// <summary>Changes the source the way a developer would (a one-line edit).</summary>
    public void EditSource() => File.AppendAllText(Path.Combine(Directory, "server.js"), "// edited\n");

    /// <summary>Points the service at another Dockerfile path (relative to the context or absolute).</summary>
    public void UseDockerfile(string path) => Service = Service with { Image = Service.Image! with { DockerfilePath = path } };

    /// <summary>Deletes the context and every local image tag the pipeline made for this app (local and registry tags).</summary>
    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }

        TestEnvironment.RemoveImagesOf(Service.Names.App, Service.Names.Environment);
    }
}

/// <summary>Records what the pipeline reports, for assertions.</summary>
public sealed class RecordingProgress : IDeployProgress
{
    private readonly List<string> _lines = [];

    /// <summary>Every line, prefixed with its kind.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The warnings only.</summary>
    public IReadOnlyList<string> Warnings => [.. Lines.Where(l => l.StartsWith("warn: ", StringComparison.Ordinal)).Select(l => l[6..])];

    /// <inheritdoc />
    public void Step(string title) => Add("step: " + title);

    /// <inheritdoc />
    public void Info(string message) => Add("info: " + message);

    /// <inheritdoc />
    public void Warn(string message) => Add("warn: " + message);

    private void Add(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}

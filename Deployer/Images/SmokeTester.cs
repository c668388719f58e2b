using Aspire.Deployer.Reporting;
using System.Diagnostics;
using System.Globalization;
using Aspire.Deployer.Model;

namespace Aspire.Deployer.Images;

/// <summary>
/// Runs a freshly built image in a local container as ECS would (the service's environment, its container port,
/// by default a read-only root filesystem and the Fargate memory limit), waits a bounded time for the health path to
/// answer 2xx, and fails with the container's exit code and last log lines when it exits or stays unhealthy. The
/// container is always removed.
/// </summary>
internal sealed class SmokeTester(DockerCli docker, ImagePipelineOptions options, IDeployProgress progress, HttpClient http)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a service without an HTTP endpoint (a worker) must keep running to pass.</summary>
    public static TimeSpan WorkerSettleTime { get; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Runs the image and waits until its health path answers 2xx (a worker, with no HTTP endpoint: until it has kept
    /// running for <see cref="WorkerSettleTime"/>); returns how long that took from the start.
    /// </summary>
    public async Task<TimeSpan> RunAsync(ServiceDescription service, string image, CancellationToken cancellationToken, IReadOnlyDictionary<string, SecretValue>? secrets = null)
    {
        var resource = service.Names.Resource;
        var name = $"aspire-smoke-{resource}-{Guid.NewGuid():N}"[..Math.Min(63, 26 + resource.Length)];
        var (arguments, environment) = RunArguments(service, name, image, secrets);
        var started = Stopwatch.StartNew();
        try
        {
            var run = await docker.RunAsync(arguments, CommandTimeout, cancellationToken, environment: environment).ConfigureAwait(false);
            if (!run.Succeeded)
            {
                throw Fail(service, $"docker run failed (exit {run.ExitCode}): {run.TailText}");
            }

            if (service.ContainerPort == 0)
            {
                return await WaitStillRunningAsync(service, name, started, cancellationToken).ConfigureAwait(false);
            }

            // A container that exits at once loses its published port before `docker port` asks: that is the
            // app failing to start, not a Docker problem.
            var port = await HostPortAsync(name, service.ContainerPort, cancellationToken).ConfigureAwait(false);
            if (port is null)
            {
                await ThrowIfExitedAsync(service, name, started, cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException($"docker port {name} {service.ContainerPort}/tcp gave no host port for a running container.");
            }

            return await WaitHealthyAsync(service, name, port.Value, started, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Always removed, also on cancellation: a fresh token, bounded.
            using var cleanup = new CancellationTokenSource(CommandTimeout);
            await docker.RunAsync(["rm", "--force", "--volumes", name], CommandTimeout, cleanup.Token).ConfigureAwait(false);
        }
    }

    // A worker passes when it is still running after the settle time.
    private async Task<TimeSpan> WaitStillRunningAsync(ServiceDescription service, string name, Stopwatch started, CancellationToken cancellationToken)
    {
        progress.Info($"Smoke test: {service.Names.Resource} has no HTTP endpoint; checking that it keeps running for {WorkerSettleTime.TotalSeconds:0} s.");
        await Task.Delay(WorkerSettleTime, cancellationToken).ConfigureAwait(false);
        await ThrowIfExitedAsync(service, name, started, cancellationToken).ConfigureAwait(false);
        progress.Info($"Smoke test passed: still running {started.Elapsed.TotalSeconds:0.0} s after start.");
        return started.Elapsed;
    }

    private (List<string> Arguments, Dictionary<string, string> Environment) RunArguments(
        ServiceDescription service, string name, string image, IReadOnlyDictionary<string, SecretValue>? secrets)
    {
        var arguments = new List<string> { "run", "--detach", "--name", name };
        if (service.ContainerPort != 0)
        {
            arguments.AddRange(["--publish", $"127.0.0.1::{service.ContainerPort}"]);
        }

        if (options.SmokeTestAsOnFargate)
        {
            arguments.AddRange(service.ReadOnlyRootFilesystem ? ["--read-only", "--memory", $"{service.Size.MemoryMiB}m"] : ["--memory", $"{service.Size.MemoryMiB}m"]);
        }

        // Values go to the docker CLI's own environment and are named with `--env NAME` only, so they stay out of the
        // process list and of error messages. Names the CLI itself reads (PATH, HOME, DOCKER_*) are passed as
        // NAME=VALUE instead, so the app's values cannot redirect the CLI.
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var values = service.Environment.Concat(secrets?.Select(s => KeyValuePair.Create(s.Key, s.Value.Reveal())) ?? []);
        foreach (var (variable, value) in values.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (variable is "PATH" or "HOME" || variable.StartsWith("DOCKER_", StringComparison.Ordinal))
            {
                arguments.AddRange(["--env", $"{variable}={value}"]);
            }
            else
            {
                arguments.AddRange(["--env", variable]);
                environment[variable] = value;
            }
        }

        // The entry point and command the task definition gives the container (docker takes one entry point word).
        if (service.EntryPoint is [var entry, ..])
        {
            arguments.AddRange(["--entrypoint", entry]);
        }

        arguments.Add(image);
        arguments.AddRange([.. service.EntryPoint?.Skip(1) ?? [], .. service.Command ?? []]);
        return (arguments, environment);
    }

    // Polls the health path until it answers 2xx (the time since start), the container exits, or the timeout passes.
    private async Task<TimeSpan> WaitHealthyAsync(ServiceDescription service, string name, int port, Stopwatch started, CancellationToken cancellationToken)
    {
        var url = new Uri($"http://127.0.0.1:{port}{service.HealthCheckPath}");
        progress.Info($"Smoke test: container on 127.0.0.1:{port} -> {service.ContainerPort}, waiting up to {options.SmokeTestTimeout.TotalSeconds:0} s for GET {service.HealthCheckPath} to answer 2xx.");
        var lastAnswer = "no answer yet";
        while (true)
        {
            await ThrowIfExitedAsync(service, name, started, cancellationToken).ConfigureAwait(false);
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                using var response = await http.GetAsync(url, attempt.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    var healthy = started.Elapsed;
                    progress.Info($"Smoke test passed: {service.HealthCheckPath} answered {(int)response.StatusCode} {healthy.TotalSeconds:0.0} s after start.");
                    return healthy;
                }

                lastAnswer = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                lastAnswer = ex is OperationCanceledException ? "no answer within 2 s" : $"connection failed ({ex.Message})";
            }

            if (started.Elapsed > options.SmokeTestTimeout)
            {
                throw Fail(service, $"{service.HealthCheckPath} on container port {service.ContainerPort} did not answer 2xx within " +
                    $"{options.SmokeTestTimeout.TotalSeconds:0} s (last: {lastAnswer}). Check that the app listens on the port the AppHost declares " +
                    $"({service.ContainerPort}, from PORT) on all interfaces and that its health path succeeds. The container's last log lines:" +
                    $"{Environment.NewLine}{await LogsAsync(name, cancellationToken).ConfigureAwait(false)}");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private ImagePipelineException Fail(ServiceDescription service, string message) =>
        new(service.Names.Resource, ImagePipelineStage.SmokeTest, message + Environment.NewLine +
            "Nothing was pushed. Fix the image (try it with `docker run`), or skip the smoke test at your own risk.");

    // The published host port, or null when there is none (the container has already stopped).
    private async Task<int?> HostPortAsync(string name, int containerPort, CancellationToken cancellationToken)
    {
        var result = await docker.RunAsync(["port", name, $"{containerPort}/tcp"], CommandTimeout, cancellationToken).ConfigureAwait(false);
        var line = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty;
        return result.Succeeded && int.TryParse(line[(line.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? port
            : null;
    }

    private async Task ThrowIfExitedAsync(ServiceDescription service, string name, Stopwatch started, CancellationToken cancellationToken)
    {
        var (running, exitCode) = await StateAsync(name, cancellationToken).ConfigureAwait(false);
        if (!running)
        {
            throw Fail(service, $"the container exited with code {exitCode} {started.Elapsed.TotalSeconds:0.0} s after start, before {service.HealthCheckPath} answered. " +
                $"Its last log lines:{Environment.NewLine}{await LogsAsync(name, cancellationToken).ConfigureAwait(false)}");
        }
    }

    private async Task<(bool Running, int ExitCode)> StateAsync(string name, CancellationToken cancellationToken)
    {
        var result = await docker.RunAsync(["inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}", name], CommandTimeout, cancellationToken)
            .ConfigureAwait(false);
        var parts = result.StandardOutput.Trim().Split(' ');
        return result.Succeeded && parts.Length == 2
            ? (parts[0] == "true", int.Parse(parts[1], CultureInfo.InvariantCulture))
            : (false, -1);
    }

    private async Task<string> LogsAsync(string name, CancellationToken cancellationToken)
    {
        var result = await docker.RunAsync(["logs", "--tail", options.LogTailLines.ToString(CultureInfo.InvariantCulture), name], CommandTimeout, cancellationToken)
            .ConfigureAwait(false);
        var lines = result.Tail.TakeLast(options.LogTailLines).ToList();
        return lines.Count == 0 ? "  (no output)" : string.Join(Environment.NewLine, lines.Select(l => "  | " + l));
    }
}

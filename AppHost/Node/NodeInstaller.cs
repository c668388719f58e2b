using System.Collections.Concurrent;
using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>
/// The dashboard's view of a Node app's dependency install: its state (up to date, installing, finished, failed) and
/// the package manager's output, as a child of the app.
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="parent">The app whose dependencies it installs.</param>
public sealed class NodeInstallerResource(string name, NodeAppResource parent) : Resource(name), IResourceWithParent<NodeAppResource>
{
    /// <summary>The app whose dependencies it installs.</summary>
    public NodeAppResource Parent { get; } = parent;
}

/// <summary>
/// Runs the package manager's frozen install before every start of the app that needs one (node_modules missing or
/// older than the lockfile), streaming its output to the installer's log; a failed install fails the app's start.
/// </summary>
internal static class NodeInstaller
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);
    private const int TailLines = 5;

    public static async Task EnsureInstalledAsync(NodeAppResource app, NodeInstallerResource installer, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var packageManager = app.PackageManager ?? throw new InvalidOperationException($"{app.Name} has no package manager.");
        var directory = app.WorkingDirectory;
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        var log = services.GetRequiredService<ResourceLoggerService>().GetLogger(installer);

        bool needed;
        try
        {
            needed = packageManager.NeedsInstall(directory);
        }
        catch (DistributedApplicationException e)
        {
            await FailAsync(e.Message).ConfigureAwait(false);
            throw;
        }

        if (!needed)
        {
            log.LogInformation("{Marker} is newer than {Lockfile}: nothing to install.", packageManager.InstallMarker, packageManager.Lockfile);
            await notifications.PublishUpdateAsync(installer, s => s with
            {
                State = new ResourceStateSnapshot("Up to date", KnownResourceStateStyles.Success),
            }).ConfigureAwait(false);
            return;
        }

        log.LogInformation("{Command} in {Directory}", packageManager.InstallCommand, directory);
        await notifications.PublishUpdateAsync(installer, s => s with
        {
            State = new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Info),
            StartTimeStamp = DateTime.UtcNow,
            StopTimeStamp = null,
            ExitCode = null,
        }).ConfigureAwait(false);

        var tail = new ConcurrentQueue<string>();
        int exitCode;
        try
        {
            exitCode = await RunAsync(packageManager, directory, line =>
            {
                log.LogInformation("{Line}", line);
                tail.Enqueue(line);
                while (tail.Count > TailLines && tail.TryDequeue(out _))
                {
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
        {
            var problem = e is TimeoutException
                ? $"`{packageManager.InstallCommand}` in '{directory}' did not finish within {InstallTimeout.TotalMinutes} minutes: is the registry reachable?"
                : $"{packageManager.Executable} was not found on PATH, and {app.Name} uses {packageManager.Name} ({packageManager.Lockfile}). " +
                  $"Install it ({InstallHint(packageManager)}) or choose another package manager on the resource.";
            await FailAsync(problem).ConfigureAwait(false);
            throw new DistributedApplicationException(problem, e);
        }

        if (exitCode != 0)
        {
            var problem = $"`{packageManager.InstallCommand}` in '{directory}' exited with code {exitCode}" +
                (tail.IsEmpty ? "." : $": {string.Join(" | ", tail)}") +
                $" A frozen install fails when {packageManager.Lockfile} does not match package.json: run `{packageManager.Executable} install` and commit the lockfile.";
            await FailAsync(problem, exitCode).ConfigureAwait(false);
            throw new DistributedApplicationException(problem);
        }

        // Record that this lockfile is installed, even when the package manager found nothing to change.
        var marker = Path.Combine(directory, packageManager.InstallMarker);
        if (File.Exists(marker))
        {
            File.SetLastWriteTimeUtc(marker, DateTime.UtcNow);
        }

        await notifications.PublishUpdateAsync(installer, s => s with
        {
            State = new ResourceStateSnapshot(KnownResourceStates.Finished, KnownResourceStateStyles.Success),
            StopTimeStamp = DateTime.UtcNow,
            ExitCode = 0,
        }).ConfigureAwait(false);

        async Task FailAsync(string problem, int? code = null)
        {
            log.LogError("{Problem}", problem);
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(NodeInstaller))
                .LogError("{Resource} cannot start: {Problem}", app.Name, problem);
            await notifications.PublishUpdateAsync(installer, s => s with
            {
                State = new ResourceStateSnapshot(KnownResourceStates.FailedToStart, KnownResourceStateStyles.Error),
                StopTimeStamp = DateTime.UtcNow,
                ExitCode = code,
            }).ConfigureAwait(false);
        }
    }

    private static string InstallHint(NodePackageManager packageManager) => packageManager.Name switch
    {
        "yarn" => "`npm install -g @yarnpkg/cli-dist`, or `corepack enable`",
        "pnpm" => "`npm install -g pnpm`, or `corepack enable`",
        _ => "it comes with Node.js",
    };

    /// <summary>Runs the install, each output line to <paramref name="onLine"/>; killed with its children on timeout.</summary>
    private static async Task<int> RunAsync(NodePackageManager packageManager, string directory, Action<string> onLine,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(packageManager.Executable)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // closed at once: an install must never wait for an answer
        };
        foreach (var arg in packageManager.InstallArgs)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(InstallTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException();
        }

        process.WaitForExit(); // drains the output events
        return process.ExitCode;
    }
}

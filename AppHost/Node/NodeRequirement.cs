using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>
/// The lowest Node.js version an app accepts (from package.json's <c>engines.node</c>, e.g. ">=20.11"), checked
/// before the app starts so a missing or too-old node is one clear line in the dashboard and the console, not a
/// stack trace from deep inside the app.
/// </summary>
internal sealed partial class NodeRequirement(Version minimum, string source)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The lowest accepted version.</summary>
    public Version Minimum { get; } = minimum;

    /// <summary>Reads <c>engines.node</c>; with none, any node is accepted.</summary>
    public static NodeRequirement FromPackageJson(string appDirectory)
    {
        var packageJson = Path.Combine(appDirectory, "package.json");
        if (!File.Exists(packageJson))
        {
            throw new DistributedApplicationException($"No package.json in '{appDirectory}': is the Node app's folder right?");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(packageJson));
        var range = document.RootElement.TryGetProperty("engines", out var engines)
            && engines.TryGetProperty("node", out var node) ? node.GetString() : null;
        return new NodeRequirement(ParseMinimum(range), range ?? "(no engines.node)");
    }

    /// <summary>The lower bound of a ">=X[.Y[.Z]]" range; 0.0.0 for anything else.</summary>
    internal static Version ParseMinimum(string? range)
    {
        var match = range is null ? Match.Empty : LowerBound().Match(range);
        return match.Success
            ? new Version(int.Parse(match.Groups[1].Value), match.Groups[2].Success ? int.Parse(match.Groups[2].Value) : 0,
                match.Groups[3].Success ? int.Parse(match.Groups[3].Value) : 0)
            : new Version(0, 0, 0);
    }

    /// <summary>Parses the output of <c>node --version</c> ("v20.11.1").</summary>
    internal static Version? ParseNodeVersion(string output)
    {
        var match = NodeVersion().Match(output);
        return match.Success
            ? new Version(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), int.Parse(match.Groups[3].Value))
            : null;
    }

    /// <summary>Fails the resource's start, with the reason in its log, unless a good enough node is on PATH.</summary>
    public async Task EnsureSatisfiedAsync(IResource resource, IServiceProvider services, CancellationToken cancellationToken)
    {
        var problem = await FindProblemAsync(cancellationToken).ConfigureAwait(false);
        if (problem is null)
        {
            return;
        }

        // Once in the resource's log (the dashboard's console view), once in the AppHost's own console.
        services.GetRequiredService<ResourceLoggerService>().GetLogger(resource).LogError("{Problem}", problem);
        services.GetRequiredService<ILoggerFactory>().CreateLogger<NodeRequirement>()
            .LogError("{Resource} cannot start: {Problem}", resource.Name, problem);
        throw new DistributedApplicationException(problem);
    }

    private async Task<string?> FindProblemAsync(CancellationToken cancellationToken)
    {
        const string Fix = "Install Node.js (https://nodejs.org) and make sure `node` is on PATH.";
        string output;
        try
        {
            using var process = Process.Start(new ProcessStartInfo("node", "--version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            output = await process.StandardOutput.ReadToEndAsync(timeout.Token).ConfigureAwait(false);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"Node.js was not found on PATH; this app needs node {source}. {Fix}";
        }

        var version = ParseNodeVersion(output);
        if (version is null)
        {
            return $"`node --version` printed '{output.Trim()}', not a version. {Fix}";
        }

        return version < Minimum
            ? $"Node.js {version} is too old: this app needs node {source} (package.json engines.node). {Fix}"
            : null;
    }

    [GeneratedRegex(@">=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")]
    private static partial Regex LowerBound();

    [GeneratedRegex(@"v(\d+)\.(\d+)\.(\d+)")]
    private static partial Regex NodeVersion();
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Semver;

namespace Aspire.Hosting;

/// <summary>
/// The Node.js versions an app accepts: package.json's <c>engines.node</c> read as the npm range it is (<c>^20</c>,
/// <c>20.x</c>, <c>&gt;=20 &lt;23</c>, <c>18 || 20</c>, ...), checked before the app starts so a missing or unfit node
/// is one clear line in the dashboard and the console, not a stack trace from deep inside the app.
/// </summary>
internal sealed partial class NodeRequirement(SemVersionRange range, string source)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The accepted versions.</summary>
    public SemVersionRange Range { get; } = range;

    /// <summary>Reads <c>engines.node</c>; with none, any node is accepted. A range npm would not accept is an error.</summary>
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
        return range is null
            ? new NodeRequirement(SemVersionRange.All, "(no engines.node)")
            : new NodeRequirement(ParseRange(range, packageJson), range);
    }

    /// <summary>Parses an npm range as npm does (prereleases only where the range names one).</summary>
    internal static SemVersionRange ParseRange(string range, string source = "package.json")
    {
        return SemVersionRange.TryParseNpm(range, out var parsed)
            ? parsed
            : throw new DistributedApplicationException(
                $"engines.node \"{range}\" in {source} is not an npm version range. Write one npm accepts, e.g. \">=20.11\", \"^20\" or \"20.x || 22.x\".");
    }

    /// <summary>Whether a node of <paramref name="version"/> satisfies the range.</summary>
    public bool Accepts(SemVersion version) => Range.Contains(version);

    /// <summary>Parses the output of <c>node --version</c> ("v20.11.1", "v23.0.0-nightly2024...").</summary>
    internal static SemVersion? ParseNodeVersion(string output)
    {
        var match = NodeVersion().Match(output);
        return match.Success && SemVersion.TryParse(match.Groups[1].Value, SemVersionStyles.Strict, out var version) ? version : null;
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
        const string Fix = "Install a Node.js in that range (https://nodejs.org) and put its `node` first on PATH.";
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

        return Accepts(version)
            ? null
            : $"Node.js {version} does not satisfy this app's engines.node \"{source}\" (package.json). {Fix}";
    }

    [GeneratedRegex(@"v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)")]
    private static partial Regex NodeVersion();
}

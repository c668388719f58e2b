namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A Node.js application started with <c>node</c> (or, with a run script, its package manager) from its own folder.
/// Aspire.Hosting.JavaScript is not served here, and this is what the project needs of it.
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="appDirectory">The folder holding package.json.</param>
/// <param name="entryPoint">The script node runs, relative to <paramref name="appDirectory"/>.</param>
public sealed class NodeAppResource(string name, string appDirectory, string entryPoint)
    : ExecutableResource(name, "node", appDirectory), IResourceWithServiceDiscovery, IResourceWithProbes
{
    /// <summary>The name of the endpoint node's inspector listens on (see <c>WithInspector</c>).</summary>
    public const string InspectorEndpointName = "inspector";

    /// <summary>The script node runs, relative to the working directory.</summary>
    public string EntryPoint { get; } = entryPoint;

    /// <summary>
    /// The package manager that installs dependencies and runs scripts; detected from the lockfile unless chosen with
    /// <c>WithNpm</c>, <c>WithYarn</c> or <c>WithPnpm</c>.
    /// </summary>
    public NodePackageManager? PackageManager { get; set; }

    /// <summary>The package.json script run instead of <see cref="EntryPoint"/> (<c>WithRunScript</c>), if any.</summary>
    public string? RunScript { get; set; }

    /// <summary>Arguments passed to <see cref="RunScript"/>.</summary>
    public IReadOnlyList<string> RunScriptArgs { get; set; } = [];

    /// <summary>
    /// Whether node restarts the app when a source file changes (run mode only; <c>WithWatch</c>). Unset means on
    /// when node runs the entry point, off with a run script (whose own command decides).
    /// </summary>
    public bool? Watch { get; set; }

    /// <summary>Whether node's inspector listens on <see cref="InspectorEndpointName"/> (run mode only; <c>WithInspector</c>).</summary>
    public bool Inspector { get; set; }
}

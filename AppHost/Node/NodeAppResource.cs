namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A Node.js application started with <c>node</c> from its own folder. Aspire.Hosting.NodeJs is not served here,
/// and this is all the project needs of it.
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="appDirectory">The folder holding package.json.</param>
/// <param name="entryPoint">The script node runs, relative to <paramref name="appDirectory"/>.</param>
public sealed class NodeAppResource(string name, string appDirectory, string entryPoint)
    : ExecutableResource(name, "node", appDirectory), IResourceWithServiceDiscovery, IResourceWithProbes
{
    /// <summary>The script node runs, relative to the working directory.</summary>
    public string EntryPoint { get; } = entryPoint;
}

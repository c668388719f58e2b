namespace Aspire.Deployer.Plan;

/// <summary>One resource as it exists in AWS, read back into the shape of its desired spec.</summary>
/// <param name="Spec">What it looks like (references resolved to names where they are the app's resources).</param>
/// <param name="Id">Its id or ARN (a security group id, a target group ARN, a task definition revision ARN, ...).</param>
/// <param name="Address">Where it is reached, when it has such a thing: a load balancer's DNS name, a repository's URI.</param>
/// <param name="Unreported">Properties AWS left out of its answer (seen with emulators): their values in <paramref name="Spec"/> are
/// the desired ones, so they are not compared, and the plan says so.</param>
public sealed record ObservedResource(ResourceSpec Spec, string Id, string? Address = null, IReadOnlyList<string>? Unreported = null);

/// <summary>
/// What exists in AWS for an app and environment, keyed like the desired state (kind and name), so the planner can
/// match each desired resource with what exists. Missing resources are simply absent.
/// </summary>
public sealed class CurrentState
{
    private readonly Dictionary<(ResourceKind Kind, string Name), ObservedResource> _resources = [];

    /// <summary>An empty current state (nothing exists).</summary>
    public static CurrentState Empty => new([]);

    /// <summary>Creates a current state from what was found.</summary>
    /// <param name="resources">What exists; a later duplicate of kind and name replaces an earlier one.</param>
    public CurrentState(IEnumerable<ObservedResource> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        foreach (var resource in resources)
        {
            _resources[(resource.Spec.Kind, resource.Spec.Name)] = resource;
        }
    }

    /// <summary>Everything found.</summary>
    public IReadOnlyCollection<ObservedResource> Resources => _resources.Values;

    /// <summary>What exists under a kind and name, or null.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="name">The name (as in the desired state).</param>
    public ObservedResource? Find(ResourceKind kind, string name) => _resources.GetValueOrDefault((kind, name));

    /// <summary>The spec of what exists under a name, or null.</summary>
    /// <typeparam name="T">The spec type.</typeparam>
    /// <param name="name">The name.</param>
    public T? Get<T>(string name) where T : ResourceSpec =>
        _resources.Values.Select(r => r.Spec).OfType<T>().FirstOrDefault(s => s.Name == name);
}

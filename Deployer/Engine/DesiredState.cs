using Aspire.Deployer.Model;
using Aspire.Deployer.Network;

namespace Aspire.Deployer.Engine;

/// <summary>Where the desired state is deployed, besides the deployment and the network.</summary>
/// <param name="Region">The region, e.g. <c>us-east-1</c> (log configuration).</param>
/// <param name="Account">The account id (the roles' trust condition), or null when not known.</param>
public sealed record AwsTarget(string Region, string? Account = null)
{
    /// <summary>The AWS partition of the region: <c>aws</c>, <c>aws-cn</c> or <c>aws-us-gov</c> (managed policy ARNs).</summary>
    public string Partition => Region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
        : Region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov"
        : "aws";
}

/// <summary>What every kind's desired specs are computed from.</summary>
/// <param name="Deployment">The validated deployment.</param>
/// <param name="Network">The checked network.</param>
/// <param name="Target">The region.</param>
/// <param name="Images">The image reference per Aspire resource once the image step has run; null before (images are then not compared).</param>
public sealed record DesiredContext(
    DeploymentDescription Deployment,
    ResolvedNetwork Network,
    AwsTarget Target,
    IReadOnlyDictionary<string, string>? Images = null)
{
    /// <summary>The services to deploy.</summary>
    public IReadOnlyList<ServiceDescription> Services => Deployment.Services;

    /// <summary>The services the load balancer serves (an external HTTP endpoint): they get a target group and a listener.</summary>
    public IReadOnlyList<ServiceDescription> LoadBalanced => [.. Deployment.Services.Where(s => s.IsLoadBalanced)];
}

/// <summary>What AWS should look like after a deploy: every resource, kind by kind in the registry's order.</summary>
/// <param name="Context">What it was computed from.</param>
/// <param name="Kinds">The registry it was computed with (dependencies first).</param>
/// <param name="Resources">Every resource, dependencies first.</param>
public sealed record DesiredState(DesiredContext Context, IReadOnlyList<ResourceKind> Kinds, IReadOnlyList<ResourceSpec> Resources)
{
    /// <summary>The deployment it was made from.</summary>
    public DeploymentDescription Deployment => Context.Deployment;

    /// <summary>The region.</summary>
    public AwsTarget Target => Context.Target;

    /// <summary>The network.</summary>
    public ResolvedNetwork Network => Context.Network;

    /// <summary>Asks every kind, in order, for its desired resources.</summary>
    /// <param name="kinds">The registry.</param>
    /// <param name="context">The deployment, network, region and images.</param>
    public static DesiredState Build(IReadOnlyList<ResourceKind> kinds, DesiredContext context)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        ArgumentNullException.ThrowIfNull(context);
        return new DesiredState(context, kinds, [.. kinds.SelectMany(k => k.Desire(context))]);
    }

    /// <summary>The resources of a spec type, in order.</summary>
    /// <typeparam name="T">The spec type.</typeparam>
    public IEnumerable<T> OfType<T>() where T : ResourceSpec => Resources.OfType<T>();

    /// <summary>The resources of one kind, in order.</summary>
    /// <param name="kind">The kind.</param>
    public IReadOnlyList<ResourceSpec> OfKind(ResourceKind kind) => [.. Resources.Where(r => r.Kind == kind)];
}

/// <summary>
/// What exists in AWS for an app and environment, keyed like the desired state (kind and name), so the planner can
/// match each desired resource with what exists. Missing resources are simply absent.
/// </summary>
public sealed class CurrentState
{
    private readonly Dictionary<(ResourceKind Kind, string Name), ObservedResource> _resources = [];

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

    /// <summary>An empty current state (nothing exists).</summary>
    public static CurrentState Empty => new([]);

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

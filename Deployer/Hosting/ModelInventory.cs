using Aspire.Deployer.Model;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// Sorts every resource of the model into one of three: deployed (a container built from a Dockerfile, or an
/// existing image), not deployed with the reason (the environment itself, parameters, resources excluded from
/// publishing or bound to another compute environment, things with nothing to run), or refused with the reason and
/// the way out (an executable without <c>PublishAsDockerFile</c>, a .NET project, a container with a volume). Nothing
/// is left out in silence: the plan lists the second group, the third stops the deploy before any AWS call.
/// </summary>
internal sealed class ModelInventory
{
    private readonly Dictionary<string, string> _skipped = new(StringComparer.OrdinalIgnoreCase);

    private ModelInventory()
    {
    }

    /// <summary>The resources deployed as ECS services, in model order.</summary>
    public List<IResource> Deployed { get; } = [];

    /// <summary>The parameters of the model (their reasons depend on which services use them).</summary>
    public List<ParameterResource> Parameters { get; } = [];

    /// <summary>Resources that are not deployed, with the reason.</summary>
    public IReadOnlyList<SkippedResource> Skipped => [.. _skipped.Select(s => new SkippedResource(s.Key, s.Value))];

    /// <summary>Resources the deployment cannot take: what is wrong with each and what to do.</summary>
    public List<string> Refused { get; } = [];

    /// <summary>Why a resource is not deployed, or null when it is (or is no resource of the model).</summary>
    /// <param name="name">The resource name.</param>
    public string? WhyNot(string name) =>
        _skipped.TryGetValue(name, out var reason) ? reason
        : Refused.FirstOrDefault(r => r.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)) is { } refused ? refused[(name.Length + 1)..].Trim()
        : Deployed.Any(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)) ? null
        : "it is not a resource of this AppHost's model";

    /// <summary>Sorts the model.</summary>
    /// <param name="model">The AppHost's model.</param>
    public static ModelInventory Of(DistributedApplicationModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var inventory = new ModelInventory();
        var compute = model.GetComputeResources().ToHashSet();
        foreach (var resource in model.Resources)
        {
            inventory.Sort(resource, compute.Contains(resource));
        }

        return inventory;
    }

    private void Sort(IResource resource, bool isCompute)
    {
        switch (resource)
        {
            case AwsEcsEnvironmentResource:
                _skipped[resource.Name] = "the AWS ECS environment itself: where the services are deployed";
                return;
            case IComputeEnvironmentResource:
                _skipped[resource.Name] = "another compute environment: resources bound to it are deployed by it";
                return;
            case ParameterResource parameter:
                Parameters.Add(parameter);
                return;
        }

        if (resource.IsExcludedFromPublish())
        {
            _skipped[resource.Name] = "excluded from publishing (ExcludeFromManifest)";
            return;
        }

        if (resource.GetComputeEnvironment() is { } environment and not AwsEcsEnvironmentResource)
        {
            _skipped[resource.Name] = $"bound to the compute environment '{environment.Name}' (WithComputeEnvironment), which deploys it";
            return;
        }

        SortCompute(resource, isCompute);
    }

    private void SortCompute(IResource resource, bool isCompute)
    {
        var name = resource.Name;
        if (resource is ContainerResource && resource.TryGetLastAnnotation<DockerfileBuildAnnotation>(out var build) && !build.HasEntrypoint)
        {
            _skipped[name] = "a build-only container: its image is used by another resource, nothing of it runs";
        }
        else if (isCompute && resource is ContainerResource container)
        {
            if (container.Annotations.OfType<ContainerMountAnnotation>().FirstOrDefault() is { } mount)
            {
                Refused.Add($"{name}: has a {(mount.Type == ContainerMountType.BindMount ? "bind mount" : "volume")} at {mount.Target}, and Fargate tasks have no disk that " +
                            "outlives them, so its data would be lost at every restart. Remove the volume (the data then lives only as long as the task), or use a " +
                            "managed service (Amazon ElastiCache for Redis, Amazon RDS for a database) and pass its address to the services with a parameter " +
                            "(AddConnectionString or AddParameter) instead of the container.");
            }
            else
            {
                Deployed.Add(resource);
            }
        }
        else if (resource is ExecutableResource)
        {
            Refused.Add($"{name}: an executable runs only on this machine; call PublishAsDockerFile() on it (with a Dockerfile in its folder) so it deploys as a container.");
        }
        else if (resource is ProjectResource)
        {
            Refused.Add($"{name}: a .NET project; this deployer builds images from Dockerfiles: add one and publish it with PublishAsDockerFile(), or use AddDockerfile.");
        }
        else if (resource is IComputeResource)
        {
            Refused.Add($"{name}: a {resource.GetType().Name} has no container image to run on ECS; give it one (a Dockerfile or an image) or exclude it (ExcludeFromManifest).");
        }
        else
        {
            _skipped[name] = $"a {resource.GetType().Name}: nothing to run (it is not a compute resource)";
        }
    }
}

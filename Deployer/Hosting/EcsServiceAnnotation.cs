using Aspire.Deployer.Model;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Deployer.Hosting;

/// <summary>Marks a resource for ECS and carries its <see cref="EcsServiceOptions"/>.</summary>
/// <param name="options">The resource's ECS settings.</param>
public sealed class EcsServiceAnnotation(EcsServiceOptions options) : IResourceAnnotation
{
    /// <summary>The resource's ECS settings.</summary>
    public EcsServiceOptions Options { get; } = options;
}

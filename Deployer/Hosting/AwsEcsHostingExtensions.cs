using Aspire.Deployer.Hosting;
using Aspire.Deployer.Model;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>Adds the AWS ECS deploy target to an AppHost and sets how each resource runs there.</summary>
public static class AwsEcsHostingExtensions
{
    /// <summary>
    /// Adds the AWS ECS environment: in publish mode its pipeline steps plan, deploy, report and destroy every
    /// Dockerfile-built resource as a Fargate service behind an Application Load Balancer. Settings come from the
    /// AppHost's configuration section <c>Aws</c> and the standard AWS variables (AWS_REGION, AWS_PROFILE, ...).
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The resource name.</param>
    public static IResourceBuilder<AwsEcsEnvironmentResource> AddAwsEcsEnvironment(
        this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        var resource = new AwsEcsEnvironmentResource(name);
        // Nothing to run locally: the environment exists only for publishing and deploying.
        return builder.ExecutionContext.IsRunMode ? builder.CreateResourceBuilder(resource) : builder.AddResource(resource);
    }

    /// <summary>Sets how the resource runs on ECS (CPU, memory, count, architecture, autoscaling, certificate).</summary>
    /// <param name="builder">The resource builder.</param>
    /// <param name="configure">Changes the defaults; configuration (<c>Aws:Services:&lt;name&gt;:*</c>) still overrides.</param>
    public static IResourceBuilder<T> PublishAsEcsService<T>(this IResourceBuilder<T> builder, Action<EcsServiceOptions>? configure = null)
        where T : IResource
    {
        var options = new EcsServiceOptions();
        configure?.Invoke(options);
        return builder.WithAnnotation(new EcsServiceAnnotation(options), ResourceAnnotationMutationBehavior.Replace);
    }
}

using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Pipelines;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// The AWS ECS environment the AppHost deploys to: a compute environment that owns the deploy pipeline steps.
/// Every resource with a Dockerfile build (for example after <c>PublishAsDockerFile()</c>) becomes an ECS service
/// on Fargate behind one Application Load Balancer.
/// </summary>
public sealed class AwsEcsEnvironmentResource : Resource, IComputeEnvironmentResource
{
    /// <summary>Pipeline step that shows what a deploy would change, without changing anything.</summary>
    public const string PlanStep = "aws-plan";

    /// <summary>Pipeline step that builds, smoke-tests and pushes every service's image.</summary>
    public const string ImagesStep = "aws-images";

    /// <summary>Creates the environment and registers its pipeline steps.</summary>
    /// <param name="name">The resource name.</param>
    public AwsEcsEnvironmentResource(string name) : base(name)
    {
        Annotations.Add(new PipelineStepAnnotation(_ => new[]
        {
            new PipelineStep
            {
                Name = PlanStep,
                Description = "Shows what deploying to AWS ECS would create, change or replace; changes nothing.",
                Action = context => DeployerSteps.PlanAsync(context, this),
            },
            new PipelineStep
            {
                Name = ImagesStep,
                Description = "Builds each service's image, proves it healthy locally and pushes it by digest (ECR or Aws:Registry).",
                Action = DeployerSteps.PublishImagesAsync,
            },
        }));
    }
}

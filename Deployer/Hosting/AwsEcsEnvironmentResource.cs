using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Pipelines;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// The AWS ECS environment the AppHost deploys to: a compute environment that owns the deploy pipeline steps.
/// Every container resource (built from a Dockerfile, for example after <c>PublishAsDockerFile()</c>, or an existing
/// image such as AddRedis's) becomes an ECS service on Fargate; external HTTP endpoints are served by one Application
/// Load Balancer, references between services go over ECS Service Connect.
/// </summary>
public sealed class AwsEcsEnvironmentResource : Resource, IComputeEnvironmentResource
{
    /// <summary>Pipeline step that shows what a deploy would change, without changing anything.</summary>
    public const string PlanStep = "aws-plan";

    /// <summary>Pipeline step that builds, smoke-tests and pushes every service's image; the deploy step depends on it.</summary>
    public const string ImagesStep = "aws-images";

    /// <summary>Pipeline step that makes AWS match the model with the images step's images, waits until healthy and prints the URL; runs under <c>deploy</c>.</summary>
    public const string DeployStep = "aws-deploy";

    /// <summary>Pipeline step that reports the service's state, target health, URL and recent events.</summary>
    public const string StatusStep = "aws-status";

    /// <summary>Pipeline step that prints the services' CloudWatch logs (<c>Aws:LogsSince</c>, <c>Aws:LogsFilter</c>, <c>Aws:LogsFollow</c>); read-only.</summary>
    public const string LogsStep = "aws-logs";

    /// <summary>Pipeline step that puts the services back on their previous task definition revision (or <c>Aws:RollbackTo</c>) and waits until healthy.</summary>
    public const string RollbackStep = "aws-rollback";

    /// <summary>Pipeline step that removes everything made for the app and environment; runs under <c>destroy</c>.</summary>
    public const string DestroyStep = "aws-destroy";

    /// <summary>Creates the environment and registers its pipeline steps.</summary>
    /// <param name="name">The resource name.</param>
    /// <param name="promptForParameters">True when an interactive Aspire CLI is attached: the steps that read the
    /// model then run after Aspire's <c>process-parameters</c>, which asks for missing parameter values (and saves
    /// them, as Aspire does, in its deployment state). False: missing values are reported, nothing prompts.</param>
    public AwsEcsEnvironmentResource(string name, bool promptForParameters = false) : base(name)
    {
        // One run per AppHost run: the steps share the settings, the model and the published images through it.
        var run = new DeployerRun();
        List<string> parameters = promptForParameters ? [WellKnownPipelineSteps.DeployPrereq] : [];
        Annotations.Add(new PipelineStepAnnotation(_ => new[]
        {
            new PipelineStep
            {
                Name = PlanStep,
                Description = "Shows what deploying to AWS ECS would create, change or replace; changes nothing.",
                Action = context => DeployerSteps.PlanAsync(context, run),
                DependsOnSteps = [.. parameters],
            },
            new PipelineStep
            {
                Name = ImagesStep,
                Description = "Builds each service's image, proves it healthy locally and pushes it by digest (ECR or Aws:Registry).",
                Action = context => DeployerSteps.PublishImagesAsync(context, run),
                DependsOnSteps = [.. parameters],
            },
            new PipelineStep
            {
                Name = DeployStep,
                Description = "Deploys the images to AWS ECS Fargate behind an ALB: infrastructure, wait until healthy, print the URL.",
                Action = context => DeployerSteps.DeployAsync(context, run),
                DependsOnSteps = [ImagesStep],
                RequiredBySteps = [WellKnownPipelineSteps.Deploy],
            },
            new PipelineStep
            {
                Name = StatusStep,
                Description = "Shows the ECS service's state, running/desired tasks, target health, URL and recent events.",
                Action = context => DeployerSteps.StatusAsync(context, run),
            },
            new PipelineStep
            {
                Name = LogsStep,
                Description = "Shows the services' CloudWatch logs (Aws:LogsSince, Aws:LogsFilter, Aws:LogsService; Aws:LogsFollow=true follows until Ctrl+C).",
                Action = context => DeployerSteps.LogsAsync(context, run),
            },
            new PipelineStep
            {
                Name = RollbackStep,
                Description = "Puts the services back on the task definition revision before the current one (or Aws:RollbackTo) and waits until healthy.",
                Action = context => DeployerSteps.RollbackAsync(context, run),
            },
            new PipelineStep
            {
                Name = DestroyStep,
                Description = "Removes everything deployed for this app and environment (found by its tags), in reverse order.",
                Action = context => DeployerSteps.DestroyAsync(context, run),
                RequiredBySteps = [WellKnownPipelineSteps.Destroy],
            },
        }));
    }
}

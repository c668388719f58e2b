using Aspire.Deployer.Images;
using Aspire.Hosting.Pipelines;

namespace Aspire.Deployer.Hosting;

internal static partial class DeployerSteps
{
    /// <summary>
    /// The images step: builds each service's image, proves it healthy in a local container and pushes it (to ECR,
    /// or to <c>Aws:Registry</c>) under an immutable source-derived tag; prints every image by digest and hands them
    /// to the deploy step (which depends on this one). A second run with no source change builds and pushes nothing.
    /// In a deploy run a failure is the deploy's: it says "Deploy failed" and writes the deploy summary.
    /// </summary>
    public static Task PublishImagesAsync(PipelineStepContext context, DeployerRun run)
    {
        var deploying = DeployerRun.IncludesDeploy(context);
        return StepProgress.RunAsync(context, deploying ? "Deploy" : "Images", async progress =>
        {
            var deployment = await run.DeploymentAsync(context).ConfigureAwait(false);
            var settings = run.Settings(context);
            var options = settings.Images with { VerboseBuildOutput = progress.Verbose };
            using var session = options.Registry is null
                ? await OpenSessionAsync(context, settings.Region).ConfigureAwait(false)
                : null;
            using var pipeline = new ImagePipeline(options, progress, session?.Ecr);
            var images = await pipeline.PublishAllAsync(deployment, context.CancellationToken).ConfigureAwait(false);
            foreach (var image in images.Values)
            {
                progress.Info($"{image.Resource}: {image.Reference} ({(image.Pushed ? "pushed" : "already in the registry, nothing pushed")})");
            }

            run.Images = images;
        },
        onFailure: deploying ? (progress, e) => WriteEarlyFailureAsync(context, run, progress, e) : null);
    }
}

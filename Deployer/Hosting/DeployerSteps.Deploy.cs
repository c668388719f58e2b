using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Verbs;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire.Deployer.Hosting;

internal static partial class DeployerSteps
{
    /// <summary>
    /// The deploy step, after the images step it depends on: plans against what exists (with the pushed images),
    /// prints the plan, applies it, waits until every service is steady and its targets healthy, prints each
    /// service's URL and writes the JSON summary to <c>Aws:SummaryFile</c> (default
    /// <c>.aspire/aws-deploy-summary.json</c> under the AppHost's directory), for failures too. Fails the step
    /// (exit code 1) on any error.
    /// </summary>
    public static Task DeployAsync(PipelineStepContext context, DeployerRun run) =>
        StepProgress.RunAsync(context, "Deploy", async progress =>
        {
            var settings = run.Settings(context).Deploy;
            var images = run.Images?.Values.ToDictionary(i => i.Resource, i => i.Reference, StringComparer.Ordinal)
                ?? throw new InvalidOperationException(
                    $"The {AwsEcsEnvironmentResource.ImagesStep} step did not run before {AwsEcsEnvironmentResource.DeployStep}; run --step {AwsEcsEnvironmentResource.DeployStep}, which runs both.");
            // The smoke test's time to healthy sets each grace period it measured (unless one is set) and the prediction.
            var deployment = RolloutTimings.WithMeasuredStartup(await run.DeploymentAsync(context).ConfigureAwait(false),
                run.Images.Values.Where(i => i.HealthyAfter is not null).ToDictionary(i => i.Resource, i => i.HealthyAfter!.Value, StringComparer.Ordinal));
            using var session = await OpenSessionAsync(context, settings.Region).ConfigureAwait(false);
            var summary = await DeployVerb.RunAsync(session, deployment, images, settings, progress, context.CancellationToken).ConfigureAwait(false);
            await WriteSummaryAsync(context, progress, summary, settings, afterFailure: false).ConfigureAwait(false);
        },
        onFailure: (progress, e) => e is DeployFailedException failed && run.BoundSettings is { } bound
            ? WriteSummaryAsync(context, progress, failed.Summary, bound.Deploy, afterFailure: true)
            : WriteEarlyFailureAsync(context, run, progress, e));

    // A failure before the plan (images, credentials, network): the summary says so, with no services deployed.
    // Nothing is written when the settings or the model were not valid (there is no app to summarize).
    private static Task WriteEarlyFailureAsync(PipelineStepContext context, DeployerRun run, StepProgress progress, Exception error)
    {
        if (run.ValidDeployment is not { } deployment || run.BoundSettings is not { } settings)
        {
            return Task.CompletedTask;
        }

        var summary = new DeploySummary(deployment.App, deployment.Environment, settings.Region, null, "failed", error.Message,
            new Dictionary<string, int>(), 0, Math.Round(run.Clock.Elapsed.TotalSeconds, 1),
            [.. deployment.Services.Select(s => new DeployedService(s.Names.Resource, null, null, null, null, null, null))]);
        return WriteSummaryAsync(context, progress, summary, settings.Deploy, afterFailure: true);
    }

    // After a failure the summary is best effort (the failure is what is reported); after a success a summary that
    // cannot be written fails the step, as CI reads it.
    private static async Task WriteSummaryAsync(PipelineStepContext context, StepProgress progress, DeploySummary summary, DeploySettings settings, bool afterFailure)
    {
        var contentRoot = context.Services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        var path = Path.GetFullPath(Path.Combine(contentRoot, settings.SummaryFile ?? DeploySettings.DefaultSummaryFile));
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, summary.ToJson()).ConfigureAwait(false);
            progress.Info($"Summary written to {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (afterFailure)
            {
                progress.Warn($"Could not write the summary to {path}: {e.Message}");
                return;
            }

            throw new IOException($"the deploy itself succeeded, but its summary could not be written to {path} ({e.Message}). Set Aws:SummaryFile to a writable path.", e);
        }
    }
}

using Aspire.Deployer.Settings;
using Aspire.Deployer.Verbs;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire.Deployer.Hosting;

internal static partial class DeployerSteps
{
    /// <summary>
    /// The deploy step: validates the model (bad input makes no AWS call), builds, smoke-tests and pushes every
    /// image, plans against what exists, prints the plan, applies it, waits until every service is steady and its
    /// targets healthy, prints each service's URL and writes the JSON summary to <c>Aws:SummaryFile</c> (default
    /// <c>.aspire/aws-deploy-summary.json</c> under the AppHost's directory), for failures too. Fails the step
    /// (exit code 1) on any error.
    /// </summary>
    public static async Task DeployAsync(PipelineStepContext context)
    {
        var progress = new StepProgress(context);
        var configuration = context.Services.GetRequiredService<IConfiguration>();
        var contentRoot = context.Services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        DeploySettings? settings = null;
        DeploymentDescription? deployment = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            deployment = await ReadDeploymentAsync(context).ConfigureAwait(false);
            settings = DeploySettings.FromConfiguration(configuration);
            var ct = context.CancellationToken;
            using var session = await OpenSessionAsync(context).ConfigureAwait(false);

            progress.Step("Images");
            var imageOptions = ImageSettings(configuration);
            using var pipeline = new ImagePipeline(imageOptions, progress, imageOptions.Registry is null ? session.Ecr : null);
            var published = await pipeline.PublishAllAsync(deployment, ct).ConfigureAwait(false);
            var images = published.Values.ToDictionary(i => i.Resource, i => i.Reference, StringComparer.Ordinal);

            var summary = await DeployVerb.RunAsync(session, deployment, images, settings, progress, ct).ConfigureAwait(false);
            await WriteSummaryAsync(progress, summary, settings, contentRoot).ConfigureAwait(false);
        }
        catch (DeployFailedException e)
        {
            Environment.ExitCode = 1;
            foreach (var line in e.Summary.ToLines())
            {
                progress.Error(line);
            }

            await WriteSummaryAsync(progress, e.Summary, settings!, contentRoot).ConfigureAwait(false);
            throw;
        }
        catch (DeploymentValidationException e)
        {
            Environment.ExitCode = 1;
            progress.Error("Deploy failed: the deployment is not valid; nothing was changed.");
            foreach (var problem in e.Problems)
            {
                progress.Error("  - " + problem);
            }

            throw;
        }
        catch (Exception e) when (e is AwsApiException or ImagePipelineException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Environment.ExitCode = 1;
            progress.Error($"Deploy failed: {e.Message}");
            await WriteEarlyFailureAsync(progress, deployment, settings, contentRoot, clock.Elapsed, e.Message).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException)
        {
            Environment.ExitCode = 1;
            progress.Error("Deploy cancelled; rerun it to converge (everything is found by name and tags).");
            await WriteEarlyFailureAsync(progress, deployment, settings, contentRoot, clock.Elapsed, "cancelled").ConfigureAwait(false);
            throw;
        }
    }

    // A failure before the plan (images, credentials, network): the summary says so, with no services deployed.
    private static Task WriteEarlyFailureAsync(StepProgress progress, DeploymentDescription? deployment, DeploySettings? settings, string contentRoot, TimeSpan elapsed, string error) =>
        deployment is null || settings is null
            ? Task.CompletedTask
            : WriteSummaryAsync(progress, new DeploySummary(deployment.App, deployment.Environment, settings.Region, null, "failed", error,
                new Dictionary<string, int>(), 0, Math.Round(elapsed.TotalSeconds, 1),
                [.. deployment.Services.Select(s => new DeployedService(s.Names.Resource, null, null, null, null, null, null))]), settings, contentRoot);

    private static async Task WriteSummaryAsync(StepProgress progress, DeploySummary summary, DeploySettings settings, string contentRoot)
    {
        var path = Path.GetFullPath(Path.Combine(contentRoot, settings.SummaryFile ?? DeploySettings.DefaultSummaryFile));
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, summary.ToJson()).ConfigureAwait(false);
            progress.Info($"Summary written to {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Environment.ExitCode = 1;
            progress.Error($"Could not write the summary to {path}: {e.Message}");
        }
    }
}

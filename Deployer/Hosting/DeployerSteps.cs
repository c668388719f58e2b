using Aspire.Deployer.Aws;
using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Aspire.Deployer.Settings;
using Aspire.Deployer.Verbs;
using Aspire.Hosting;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Deployer.Hosting;

/// <summary>The actions behind the environment's pipeline steps: each reads the model, then does one verb.</summary>
internal static partial class DeployerSteps
{
    /// <summary>
    /// Reads and validates the deployment; throws <see cref="DeploymentValidationException"/> listing every problem
    /// (each step prints it) before any AWS call.
    /// </summary>
    public static Task<DeploymentDescription> ReadDeploymentAsync(PipelineStepContext context)
    {
        var configuration = context.Services.GetRequiredService<IConfiguration>();
        var environment = context.Services.GetRequiredService<IHostEnvironment>();
        return ModelReader.ReadAsync(context.Model, context.ExecutionContext, configuration,
            environment.EnvironmentName, context.CancellationToken);
    }

    /// <summary>
    /// The plan step: what a deploy would create, update or replace, computed from the model and what exists in
    /// AWS with read-only calls. Prints the plan (through the step's log and the console logger, so it shows with and
    /// without the Aspire CLI), writes it as JSON to <c>Aws:PlanFile</c> when set, and fails the step (exit code 1)
    /// when the model, the network or an AWS call fails.
    /// </summary>
    public static async Task PlanAsync(PipelineStepContext context, AwsEcsEnvironmentResource environment)
    {
        _ = environment;
        try
        {
            var deployment = await ReadDeploymentAsync(context).ConfigureAwait(false);
            var settings = PlanSettings.FromConfiguration(context.Services.GetRequiredService<IConfiguration>());
            using var session = await OpenSessionAsync(context).ConfigureAwait(false);
            var plan = await PlanVerb.RunAsync(session, deployment, settings.Network, images: null, context.CancellationToken).ConfigureAwait(false);
            foreach (var line in plan.ToLines())
            {
                Say(context, LogLevel.Information, line);
            }

            if (settings.PlanFile is { } file)
            {
                var path = Path.GetFullPath(file);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, plan.ToJson(), context.CancellationToken).ConfigureAwait(false);
                Say(context, LogLevel.Information, $"Plan written to {path}");
            }
        }
        catch (DeploymentValidationException e)
        {
            Environment.ExitCode = 1;
            Say(context, LogLevel.Error, "Plan failed: the deployment is not valid; nothing was changed.");
            foreach (var problem in e.Problems)
            {
                Say(context, LogLevel.Error, "  - " + problem);
            }

            throw;
        }
        catch (Exception e) when (e is AwsApiException or IOException or UnauthorizedAccessException)
        {
            Environment.ExitCode = 1;
            Say(context, LogLevel.Error, $"Plan failed; nothing was changed: {e.Message}");
            throw;
        }
    }

    /// <summary>
    /// The images step: builds each service's image, proves it healthy in a local container and pushes it (to ECR,
    /// or to <c>Aws:Registry</c>) under an immutable source-derived tag; prints every image by digest. A second run
    /// with no source change builds and pushes nothing.
    /// </summary>
    public static async Task PublishImagesAsync(PipelineStepContext context)
    {
        var progress = new StepProgress(context);
        try
        {
            var deployment = await ReadDeploymentAsync(context).ConfigureAwait(false);
            var configuration = context.Services.GetRequiredService<IConfiguration>();
            var options = ImageSettings(configuration);
            using var session = options.Registry is null
                ? await OpenSessionAsync(context).ConfigureAwait(false)
                : null;
            using var pipeline = new ImagePipeline(options, progress, session?.Ecr);
            var images = await pipeline.PublishAllAsync(deployment, context.CancellationToken).ConfigureAwait(false);
            foreach (var image in images.Values)
            {
                progress.Info($"{image.Resource}: {image.Reference} ({(image.Pushed ? "pushed" : "already in the registry, nothing pushed")})");
            }
        }
        catch (Exception e) when (e is ImagePipelineException or AwsApiException or DeploymentValidationException)
        {
            Environment.ExitCode = 1;
            progress.Error($"Images failed; no image was handed on: {e.Message}");
            throw;
        }
    }

    /// <summary>Image settings from configuration: <c>Aws:Registry</c>, <c>Aws:SkipSmokeTest</c>, <c>Aws:SmokeTestTimeoutSeconds</c>.</summary>
    internal static ImagePipelineOptions ImageSettings(IConfiguration configuration)
    {
        var section = configuration.GetSection(ModelReader.Section);
        var timeout = section.GetValue<int?>("SmokeTestTimeoutSeconds");
        return new ImagePipelineOptions
        {
            Registry = string.IsNullOrWhiteSpace(section["Registry"]) ? null : section["Registry"],
            RegistryCredentials = RegistryCredentials.FromEnvironment(),
            SkipSmokeTest = section.GetValue<bool>("SkipSmokeTest"),
            SmokeTestTimeout = timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : new ImagePipelineOptions().SmokeTestTimeout,
        };
    }

    /// <summary>An AWS session on the standard credential and region chains, <c>Aws:Region</c> overriding the region.</summary>
    private static Task<AwsSession> OpenSessionAsync(PipelineStepContext context)
    {
        var region = context.Services.GetRequiredService<IConfiguration>()[$"{ModelReader.Section}:Region"];
        return AwsSession.CreateAsync(new AwsSessionOptions { Region = string.IsNullOrWhiteSpace(region) ? null : region },
            context.CancellationToken);
    }

    // The step's logger is the one sink: plain `dotnet run` prints it, and the Aspire CLI shows it under the step.
    private static void Say(PipelineStepContext context, LogLevel level, string line) =>
        context.Logger.Log(level, "{Line}", line);
}

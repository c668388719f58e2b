using Aspire.Deployer.Aws;
using Aspire.Deployer.Model;
using Aspire.Deployer.Plan;
using Aspire.Hosting;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Deployer.Hosting;

/// <summary>The actions behind the environment's pipeline steps: each reads the model, then does one verb.</summary>
internal static class DeployerSteps
{
    /// <summary>Reads and validates the deployment; reports every problem and fails the step when there is one.</summary>
    public static async Task<DeploymentDescription> ReadDeploymentAsync(PipelineStepContext context)
    {
        var configuration = context.Services.GetRequiredService<IConfiguration>();
        var environment = context.Services.GetRequiredService<IHostEnvironment>();
        try
        {
            return await ModelReader.ReadAsync(context.Model, context.ExecutionContext, configuration,
                environment.EnvironmentName, context.CancellationToken).ConfigureAwait(false);
        }
        catch (DeploymentValidationException e)
        {
            foreach (var problem in e.Problems)
            {
                context.ReportingStep.Log(LogLevel.Error, problem);
            }

            throw;
        }
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
        DeploymentDescription? deployment = null;
        try
        {
            deployment = await ReadDeploymentAsync(context).ConfigureAwait(false);
            var settings = PlanSettings.FromConfiguration(context.Services.GetRequiredService<IConfiguration>());
            using var session = await AwsSession.CreateAsync(new AwsSessionOptions { Region = settings.Region }, context.CancellationToken).ConfigureAwait(false);
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
            // Model problems were reported to the step while reading; network problems (found later) were not.
            Environment.ExitCode = 1;
            context.Logger.LogError("{Line}", "Plan failed: the deployment is not valid; nothing was changed.");
            foreach (var problem in e.Problems)
            {
                context.Logger.LogError("{Line}", "  - " + problem);
                if (deployment is not null)
                {
                    context.ReportingStep.Log(LogLevel.Error, problem);
                }
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

    // The step's report shows under the Aspire CLI; the logger is what plain `dotnet run` prints.
    private static void Say(PipelineStepContext context, LogLevel level, string line)
    {
        context.ReportingStep.Log(level, line);
        context.Logger.Log(level, "{Line}", line);
    }
}

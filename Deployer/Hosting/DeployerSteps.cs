using Aspire.Deployer.Model;
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

    /// <summary>The plan step: what a deploy would do.</summary>
    public static async Task PlanAsync(PipelineStepContext context, AwsEcsEnvironmentResource environment)
    {
        var deployment = await ReadDeploymentAsync(context).ConfigureAwait(false);
        foreach (var service in deployment.Services)
        {
            context.Logger.LogInformation("{Line}",
                $"{service.Names.Resource}: {service.Size}, {service.Options.DesiredCount} task(s), port {service.ListenerPort} -> {service.ContainerPort}, health {service.HealthCheckPath}");
        }

        _ = environment;
    }
}

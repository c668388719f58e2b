using Aspire.Deployer.Model;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// Turns the AppHost's model (in publish mode) into a <see cref="DeploymentDescription"/>: every container resource
/// (built from a Dockerfile, or an existing image such as AddRedis's) becomes one ECS service; parameters become plain
/// variables, secret ones Secrets Manager secrets; references become Service Connect addresses; everything else is
/// listed as not deployed with the reason, or refused. Every value is resolved within a bound, so a read never hangs.
/// This and the other readers in this folder are the only code that knows Aspire's types.
/// </summary>
public static class ModelReader
{
    /// <summary>Reads and validates the deployment; throws <see cref="DeploymentValidationException"/> listing every problem.</summary>
    /// <param name="model">The AppHost's model.</param>
    /// <param name="executionContext">The publish-mode execution context (values are resolved for it).</param>
    /// <param name="configuration">The AppHost's configuration (its <c>Aws</c> section is bound and checked first).</param>
    /// <param name="environmentName">The Aspire environment name, used when <c>Aws:Environment</c> is not set.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static Task<DeploymentDescription> ReadAsync(
        DistributedApplicationModel model,
        DistributedApplicationExecutionContext executionContext,
        IConfiguration configuration,
        string environmentName,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var settings = AwsSettings.Bind(configuration, DeployableResourceNames(model));
        return ReadAsync(model, executionContext, settings, environmentName, cancellationToken, configuration);
    }

    /// <summary>The names of the resources that deploy as ECS services: the model's container resources (built or not).</summary>
    /// <param name="model">The AppHost's model.</param>
    public static IReadOnlyList<string> DeployableResourceNames(DistributedApplicationModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return [.. ModelInventory.Of(model).Deployed.Select(r => r.Name)];
    }

    /// <summary>Reads and validates the deployment with settings already bound; throws <see cref="DeploymentValidationException"/> listing every problem.</summary>
    /// <param name="model">The AppHost's model.</param>
    /// <param name="executionContext">The publish-mode execution context (values are resolved for it).</param>
    /// <param name="settings">The bound settings (<see cref="AwsSettings.Bind"/>).</param>
    /// <param name="environmentName">The Aspire environment name, used when <c>Aws:Environment</c> is not set.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <param name="configuration">The AppHost's configuration: tells a configured parameter value from one Aspire generates; null: every value counts as configured.</param>
    public static async Task<DeploymentDescription> ReadAsync(
        DistributedApplicationModel model,
        DistributedApplicationExecutionContext executionContext,
        AwsSettings settings,
        string environmentName,
        CancellationToken cancellationToken,
        IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        var (app, environment) = (settings.App, settings.EnvironmentFor(environmentName));
        var inventory = ModelInventory.Of(model);
        var problems = new List<string>(inventory.Refused);
        var parameters = new ParameterReader(configuration, ParameterReader.DefaultBound, cancellationToken);
        var reader = new ServiceReader(executionContext, settings, name => new AwsNames(app, environment, name), parameters, inventory, cancellationToken);
        var drafts = new List<ServiceDraft>();
        foreach (var resource in inventory.Deployed)
        {
            if (await reader.ReadAsync(resource, problems).ConfigureAwait(false) is { } draft)
            {
                drafts.Add(draft);
            }
        }

        problems.AddRange(parameters.Problems);
        var secrets = SecretCollector.Collect(app, environment, drafts, parameters);
        var deployment = new DeploymentDescription(app, environment, secrets.Services, settings.FrontDoor)
        {
            AccessLogsBucket = settings.AccessLogsBucket,
            Secrets = secrets.Secrets,
            Parameters = secrets.Parameters,
            NotDeployed = [.. inventory.Skipped, .. ParameterReasons(inventory, secrets)],
            Warnings = [.. secrets.Services.Where(s => !s.IsBuilt).Select(DataWarning)],
        };
        // With a service that could not be read, what is left would only give misleading problems (nothing to deploy, a reference to it).
        if (drafts.Count == inventory.Deployed.Count)
        {
            problems.AddRange(DeploymentValidator.Problems(deployment));
        }

        return problems.Count > 0 ? throw new DeploymentValidationException([.. problems.Distinct(StringComparer.Ordinal)]) : deployment;
    }

    private static IEnumerable<SkippedResource> ParameterReasons(ModelInventory inventory, SecretCollection secrets) =>
        inventory.Parameters.Select(p => new SkippedResource(p.Name, secrets.ReasonFor(p.Name)));

    private static string DataWarning(ServiceDescription service) =>
        $"{service.Names.Resource} runs the image {service.ImageReference} as an internal service without persistent storage: its data does not " +
        "survive a task restart or a new deployment. For data that must last, use a managed service (Amazon ElastiCache for Redis, Amazon RDS " +
        "for a database) and pass its address to the services with a parameter (AddConnectionString).";
}

using System.Globalization;
using Aspire.Deployer.Model;
using Aspire.ServiceDefaults;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// Turns the AppHost's model (in publish mode) into a <see cref="DeploymentDescription"/>: every resource with a
/// Dockerfile build becomes one ECS service, with its endpoint ports, resolved environment, health path and
/// options. This is the only place that knows Aspire's types; planning and applying see the plain description.
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
        return ReadAsync(model, executionContext, settings, environmentName, cancellationToken);
    }

    /// <summary>The names of the resources that deploy as ECS services: those with a Dockerfile build.</summary>
    /// <param name="model">The AppHost's model.</param>
    public static IReadOnlyList<string> DeployableResourceNames(DistributedApplicationModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return [.. model.Resources.Where(r => r.TryGetLastAnnotation<DockerfileBuildAnnotation>(out _)).Select(r => r.Name)];
    }

    /// <summary>Reads and validates the deployment with settings already bound; throws <see cref="DeploymentValidationException"/> listing every problem.</summary>
    /// <param name="model">The AppHost's model.</param>
    /// <param name="executionContext">The publish-mode execution context (values are resolved for it).</param>
    /// <param name="settings">The bound settings (<see cref="AwsSettings.Bind"/>).</param>
    /// <param name="environmentName">The Aspire environment name, used when <c>Aws:Environment</c> is not set.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<DeploymentDescription> ReadAsync(
        DistributedApplicationModel model,
        DistributedApplicationExecutionContext executionContext,
        AwsSettings settings,
        string environmentName,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        var app = settings.App;
        var environment = settings.EnvironmentFor(environmentName);
        var problems = new List<string>();
        var services = new List<ServiceDescription>();

        foreach (var resource in model.Resources)
        {
            if (!resource.TryGetLastAnnotation<DockerfileBuildAnnotation>(out var build))
            {
                continue;
            }

            var options = settings.ServiceOptions(resource.Name,
                resource.TryGetLastAnnotation<EcsServiceAnnotation>(out var ecs) ? ecs.Options : new EcsServiceOptions());

            var endpoints = resource.Annotations.OfType<EndpointAnnotation>().Where(e => e.UriScheme is "http" or "https").ToList();
            if (endpoints.Count != 1)
            {
                problems.Add($"{resource.Name}: needs exactly one HTTP endpoint for the load balancer, has {endpoints.Count} " +
                             "(declare it with WithHttpEndpoint(port: ..., env: \"PORT\")).");
                continue;
            }

            var endpoint = endpoints[0];
            var containerPort = endpoint.TargetPort ?? endpoint.Port ?? 0;
            var environmentVariables = await ResolveEnvironmentAsync(resource, executionContext, problems, cancellationToken).ConfigureAwait(false);

            services.Add(new ServiceDescription(
                new AwsNames(app, environment, resource.Name),
                new ImageSource(build.ContextPath, build.DockerfilePath, ResolveBuildArguments(build)),
                containerPort,
                endpoint.Port ?? containerPort,
                HealthPath(resource),
                environmentVariables,
                new FargateSize(options.Cpu, options.MemoryMiB),
                options));
        }

        var deployment = new DeploymentDescription(app, environment, services, settings.FrontDoor) { AccessLogsBucket = settings.AccessLogsBucket };
        problems.AddRange(DeploymentValidator.Problems(deployment));
        if (problems.Count > 0)
        {
            throw new DeploymentValidationException(problems);
        }

        return deployment;
    }

    // The readiness probe the AppHost declared is what the load balancer checks; the contract's path otherwise.
    private static string HealthPath(IResource resource) =>
        resource.Annotations.OfType<EndpointProbeAnnotation>().FirstOrDefault(p => p.Type == ProbeType.Readiness)?.Path
            ?? ServiceContract.HealthPath;

    private static Dictionary<string, string> ResolveBuildArguments(DockerfileBuildAnnotation build) =>
        build.BuildArguments
            .Where(a => a.Value is string or null)
            .ToDictionary(a => a.Key, a => (string?)a.Value ?? string.Empty);

    private static async Task<Dictionary<string, string>> ResolveEnvironmentAsync(
        IResource resource, DistributedApplicationExecutionContext executionContext, List<string> problems, CancellationToken cancellationToken)
    {
        var raw = new Dictionary<string, object>();
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(new EnvironmentCallbackContext(executionContext, resource, raw, cancellationToken)).ConfigureAwait(false);
        }

        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in raw)
        {
            if (value is ParameterResource { Secret: true } parameter)
            {
                problems.Add($"{resource.Name}: {name} comes from the secret parameter '{parameter.Name}'; secrets are not " +
                             "put in plain environment variables (Security Hub ECS.8). Store it in SSM Parameter Store or " +
                             "Secrets Manager and reference it from the task definition's secrets.");
                continue;
            }

            resolved[name] = value switch
            {
                string text => text,
                IValueProvider provider => await provider.GetValueAsync(cancellationToken).ConfigureAwait(false) ?? string.Empty,
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? string.Empty,
            };
        }

        return resolved;
    }
}

namespace Aspire.Deployer.Model;

/// <summary>Where an image is built from.</summary>
/// <param name="ContextPath">The build context folder.</param>
/// <param name="DockerfilePath">The Dockerfile.</param>
/// <param name="BuildArguments">Build arguments (--build-arg).</param>
public sealed record ImageSource(string ContextPath, string DockerfilePath, IReadOnlyDictionary<string, string> BuildArguments);

/// <summary>
/// One deployable resource as AWS should run it: a plain, validated description with no Aspire or AWS types, the
/// input of planning.
/// </summary>
/// <param name="Names">Names and tags of everything made for it.</param>
/// <param name="Image">What its image is built from.</param>
/// <param name="ContainerPort">The port the container listens on (the target group's port).</param>
/// <param name="ListenerPort">The port the load balancer listens on.</param>
/// <param name="HealthCheckPath">The path the target group probes.</param>
/// <param name="Environment">Plain environment variables (PORT included).</param>
/// <param name="Size">Fargate CPU and memory.</param>
/// <param name="Options">The remaining ECS settings.</param>
public sealed record ServiceDescription(
    AwsNames Names,
    ImageSource Image,
    int ContainerPort,
    int ListenerPort,
    string HealthCheckPath,
    IReadOnlyDictionary<string, string> Environment,
    FargateSize Size,
    EcsServiceOptions Options);

/// <summary>Everything one deploy makes: the services of one app in one environment.</summary>
/// <param name="App">The application name.</param>
/// <param name="Environment">The environment name.</param>
/// <param name="Services">The deployable resources.</param>
/// <param name="FrontDoor">The HTTPS front door on a domain (<c>Aws:Domain</c>); null: a listener port per service.</param>
public sealed record DeploymentDescription(string App, string Environment, IReadOnlyList<ServiceDescription> Services, FrontDoor? FrontDoor = null)
{
    /// <summary>The S3 bucket the load balancer writes its access logs to (<c>Aws:AccessLogsBucket</c>), or null for none.</summary>
    public string? AccessLogsBucket { get; init; }
}

/// <summary>The deployment as described cannot work; nothing has been changed. The message lists every problem.</summary>
/// <param name="problems">What is wrong, each with how to fix it.</param>
public sealed class DeploymentValidationException(IReadOnlyList<string> problems)
    : Exception("The deployment is not valid; nothing was changed:" + string.Concat(problems.Select(p => "\n  - " + p)))
{
    /// <summary>What is wrong, each with how to fix it.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}

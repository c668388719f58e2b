namespace Aspire.Deployer.Model;

/// <summary>Where an image is built from.</summary>
/// <param name="ContextPath">The build context folder.</param>
/// <param name="DockerfilePath">The Dockerfile.</param>
/// <param name="BuildArguments">Build arguments (--build-arg).</param>
public sealed record ImageSource(string ContextPath, string DockerfilePath, IReadOnlyDictionary<string, string> BuildArguments);

/// <summary>One endpoint of a service, reachable inside the VPC over ECS Service Connect by the services that reference it.</summary>
/// <param name="Name">The endpoint's name in the AppHost (<c>http</c>, <c>tcp</c>, ...): the task definition's port mapping name.</param>
/// <param name="Scheme">Its URI scheme (<c>http</c>, <c>https</c>, <c>redis</c>, ...).</param>
/// <param name="ContainerPort">The port the container listens on.</param>
public sealed record ServicePort(string Name, string Scheme, int ContainerPort)
{
    /// <summary>The Service Connect application protocol: <c>http</c>, <c>http2</c> or <c>grpc</c>; null for plain TCP.</summary>
    public string? AppProtocol => Scheme switch
    {
        "http" => "http",
        "http2" => "http2",
        "grpc" => "grpc",
        _ => null,
    };
}

/// <summary>
/// One deployable resource as AWS should run it: a plain, validated description with no Aspire or AWS types, the
/// input of planning. A service with an external HTTP endpoint gets a load balancer listener and a target group
/// (<see cref="IsLoadBalanced"/>); an internal one is reached only over Service Connect by the services that reference
/// it; a worker has no endpoint at all.
/// </summary>
/// <param name="Names">Names and tags of everything made for it.</param>
/// <param name="Image">What its image is built from; null for an existing image run as it is (<see cref="ImageReference"/>).</param>
/// <param name="ContainerPort">The port of its HTTP endpoint (the target group's port); 0 when it has none.</param>
/// <param name="ListenerPort">The port the load balancer listens on (only when <see cref="IsExternal"/>).</param>
/// <param name="HealthCheckPath">The path the target group and the smoke test probe.</param>
/// <param name="Environment">Plain environment variables (PORT included); never a secret.</param>
/// <param name="Size">Fargate CPU and memory.</param>
/// <param name="Options">The remaining ECS settings.</param>
public sealed record ServiceDescription(
    AwsNames Names,
    ImageSource? Image,
    int ContainerPort,
    int ListenerPort,
    string HealthCheckPath,
    IReadOnlyDictionary<string, string> Environment,
    FargateSize Size,
    EcsServiceOptions Options)
{
    /// <summary>The image a plain container resource runs (e.g. <c>docker.io/library/redis:8.6</c>), used as it is; null when <see cref="Image"/> is built.</summary>
    public string? ImageReference { get; init; }

    /// <summary>
    /// How long the image took from container start to its health path's first 2xx in this run's smoke test; null when
    /// it was not measured (the registry already held the image, or the smoke test was skipped). See <see cref="RolloutTimings"/>.
    /// </summary>
    public TimeSpan? MeasuredStartup { get; init; }

    /// <summary>True when its HTTP endpoint is external (<c>WithExternalHttpEndpoints()</c>): the load balancer gets a listener for it.</summary>
    public bool IsExternal { get; init; } = true;

    /// <summary>Its endpoints, each a named port mapping that Service Connect can publish; by default its one HTTP endpoint.</summary>
    public IReadOnlyList<ServicePort> Ports { get; init; } = ContainerPort > 0 ? [new ServicePort("http", "http", ContainerPort)] : [];

    /// <summary>Variables read from Secrets Manager at task start (the task definition's <c>secrets</c>): variable name to secret name.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The services it references (its variables hold their Service Connect addresses), by resource name.</summary>
    public IReadOnlyList<string> Calls { get; init; } = [];

    /// <summary>The container's entry point, when the AppHost sets one (<c>WithEntrypoint</c>); null: the image's.</summary>
    public IReadOnlyList<string>? EntryPoint { get; init; }

    /// <summary>The container's arguments (<c>WithArgs</c>); null: the image's command.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>True when the image is built from source by the images step; false for an existing image.</summary>
    public bool IsBuilt => Image is not null;

    /// <summary>True when the load balancer forwards to it: an external HTTP endpoint.</summary>
    public bool IsLoadBalanced => IsExternal && ContainerPort > 0;

    /// <summary>Its root filesystem is read-only (Security Hub ECS.5): the option when set, else on for built images and off for existing ones.</summary>
    public bool ReadOnlyRootFilesystem => Options.ReadOnlyRootFilesystem ?? IsBuilt;
}

/// <summary>A resource of the model that is not deployed, and why (the plan lists each one).</summary>
/// <param name="Name">The resource name.</param>
/// <param name="Reason">Why nothing is made for it.</param>
public sealed record SkippedResource(string Name, string Reason);

/// <summary>Everything one deploy makes: the services of one app in one environment, the secrets they read.</summary>
/// <param name="App">The application name.</param>
/// <param name="Environment">The environment name.</param>
/// <param name="Services">The deployable resources.</param>
/// <param name="FrontDoor">The HTTPS front door on a domain (<c>Aws:Domain</c>); null: a listener port per service.</param>
public sealed record DeploymentDescription(string App, string Environment, IReadOnlyList<ServiceDescription> Services, FrontDoor? FrontDoor = null)
{
    /// <summary>The S3 bucket the load balancer writes its access logs to (<c>Aws:AccessLogsBucket</c>), or null for none.</summary>
    public string? AccessLogsBucket { get; init; }

    /// <summary>The Secrets Manager secrets the services read, with where each value comes from.</summary>
    public IReadOnlyList<SecretDescription> Secrets { get; init; } = [];

    /// <summary>The parameters whose values secrets are made of, by name.</summary>
    public IReadOnlyDictionary<string, ParameterValue> Parameters { get; init; } = new Dictionary<string, ParameterValue>(StringComparer.Ordinal);

    /// <summary>Every resource of the model that is not deployed, with the reason.</summary>
    public IReadOnlyList<SkippedResource> NotDeployed { get; init; } = [];

    /// <summary>What the user should know before deploying (e.g. that a container's data does not survive a restart).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The value a secret stores now: its parts with the parameters' values.</summary>
    /// <param name="secret">One of <see cref="Secrets"/>.</param>
    public SecretValue ValueOf(SecretDescription secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return secret.Render(Parameters);
    }

    /// <summary>The values of a service's secret variables, by variable (for the local smoke test; never printed).</summary>
    /// <param name="service">One of <see cref="Services"/>.</param>
    public IReadOnlyDictionary<string, SecretValue> SecretValuesOf(ServiceDescription service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Secrets.ToDictionary(s => s.Key, s => ValueOf(Secrets.Single(d => d.Name == s.Value)), StringComparer.Ordinal);
    }

    /// <summary>The services that reference <paramref name="service"/>, by resource name.</summary>
    /// <param name="service">A resource name.</param>
    public IReadOnlyList<string> CallersOf(string service) =>
        [.. Services.Where(s => s.Calls.Contains(service, StringComparer.Ordinal)).Select(s => s.Names.Resource)];

    /// <summary>True when another service references <paramref name="service"/>: Service Connect publishes its endpoints.</summary>
    /// <param name="service">The service.</param>
    public bool IsCalled(ServiceDescription service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return CallersOf(service.Names.Resource).Count > 0;
    }

    /// <summary>True when the service takes part in Service Connect: it calls another service (a client) or is called (a server).</summary>
    /// <param name="service">The service.</param>
    public bool UsesServiceConnect(ServiceDescription service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Calls.Count > 0 || IsCalled(service);
    }
}

/// <summary>The deployment as described cannot work; nothing has been changed. The message lists every problem.</summary>
/// <param name="problems">What is wrong, each with how to fix it.</param>
public sealed class DeploymentValidationException(IReadOnlyList<string> problems)
    : Exception("The deployment is not valid; nothing was changed:" + string.Concat(problems.Select(p => "\n  - " + p)))
{
    /// <summary>What is wrong, each with how to fix it.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}

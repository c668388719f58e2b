using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.ServiceDefaults;
using Ecs = Aspire.Deployer.Aws.Ecs;

namespace Aspire.Deployer.Resources;

/// <summary>One port mapping of the container: named after the AppHost's endpoint, so Service Connect can publish it.</summary>
/// <param name="Name">The endpoint's name (<c>http</c>, <c>tcp</c>, ...).</param>
/// <param name="ContainerPort">The container port (TCP).</param>
/// <param name="AppProtocol"><c>http</c>, <c>http2</c> or <c>grpc</c>; null for plain TCP. ECS cannot change it on a Service Connect service, so it is set from the first deploy.</param>
public sealed record PortMappingSpec(string Name, int ContainerPort, string? AppProtocol)
{
    /// <summary>As the plan shows it, e.g. <c>8080 http</c>.</summary>
    public string Value => AppProtocol is null ? ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{ContainerPort} {AppProtocol}";
}

/// <summary>The one container of a service's task.</summary>
/// <param name="Name">The container name (the Aspire resource name).</param>
/// <param name="Image">The image reference; null in a desired state made before the image step (the image is then not compared).</param>
/// <param name="Ports">Its port mappings, one per endpoint.</param>
/// <param name="Environment">Plain environment variables (PORT included); never a secret.</param>
/// <param name="Essential">The task stops when this container stops.</param>
/// <param name="ReadonlyRootFilesystem">The root filesystem is read-only (Security Hub ECS.5).</param>
/// <param name="Privileged">Runs privileged (never, Security Hub ECS.4).</param>
/// <param name="StopTimeoutSeconds">Seconds between SIGTERM and SIGKILL.</param>
/// <param name="LogDriver">The log driver (<c>awslogs</c>).</param>
/// <param name="LogOptions">The log driver's options (group, region, stream prefix).</param>
public sealed record ContainerSpec(
    string Name,
    string? Image,
    IReadOnlyList<PortMappingSpec> Ports,
    IReadOnlyDictionary<string, string> Environment,
    bool Essential,
    bool ReadonlyRootFilesystem,
    bool Privileged,
    int StopTimeoutSeconds,
    string LogDriver,
    IReadOnlyDictionary<string, string> LogOptions)
{
    /// <summary>Variables ECS reads from Secrets Manager at task start (the container's <c>secrets</c>): variable to secret name.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The entry point; null: the image's.</summary>
    public IReadOnlyList<string>? EntryPoint { get; init; }

    /// <summary>The command; null: the image's.</summary>
    public IReadOnlyList<string>? Command { get; init; }
}

/// <summary>The container of a task definition: made from a service, read back from ECS, compared, and written as a request.</summary>
internal static class TaskDefinitionContainer
{
    /// <summary>The container a service runs: its image (built, or the existing one as it is), ports, environment, secrets, command.</summary>
    /// <param name="service">The service.</param>
    /// <param name="context">The desired context (images, region).</param>
    public static ContainerSpec Desired(ServiceDescription service, DesiredContext context)
    {
        var names = service.Names;
        return new ContainerSpec(names.Resource, service.ImageReference ?? context.Images?.GetValueOrDefault(names.Resource),
            [.. service.Ports.Select(p => new PortMappingSpec(p.Name, p.ContainerPort, p.AppProtocol))],
            Sorted(service.Environment), Essential: true, service.ReadOnlyRootFilesystem, Privileged: false, (int)ServiceContract.StopTimeout.TotalSeconds, "awslogs",
            new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["awslogs-group"] = names.LogGroup,
                ["awslogs-region"] = context.Target.Region,
                ["awslogs-stream-prefix"] = names.Resource,
            })
        {
            Secrets = Sorted(service.Secrets),
            EntryPoint = service.EntryPoint,
            Command = service.Command,
        };
    }

    /// <summary>The container as ECS reports it.</summary>
    /// <param name="container">The container definition, or null.</param>
    /// <param name="secretName">The secret's name for a <c>valueFrom</c> ARN (the ARN itself when it is not the app's).</param>
    public static ContainerSpec Observed(Ecs.ContainerDefinition? container, Func<string, string> secretName) =>
        new(container?.Name ?? "",
            container?.Image,
            [.. (container?.PortMappings ?? []).Select(p => new PortMappingSpec(p.Name ?? "", p.ContainerPort ?? 0, p.AppProtocol))],
            Sorted(Tags.ToDictionary(container?.Environment, e => e.Name, e => e.Value)),
            container?.Essential ?? true,
            container?.ReadonlyRootFilesystem ?? false,
            container?.Privileged ?? false,
            container?.StopTimeout ?? 0,
            container?.LogConfiguration?.LogDriver ?? "",
            Sorted(container?.LogConfiguration?.Options?.ToDictionary() ?? []))
        {
            Secrets = Sorted(Tags.ToDictionary(container?.Secrets, s => s.Name, s => secretName(s.ValueFrom))),
            EntryPoint = container?.EntryPoint is { Count: > 0 } entry ? entry : null,
            Command = container?.Command is { Count: > 0 } command ? command : null,
        };

    /// <summary>Records what differs between two containers (secrets by name only: values are never in a task definition).</summary>
    /// <param name="d">The desired container.</param>
    /// <param name="c">The current container.</param>
    /// <param name="diff">Where the differences go.</param>
    public static void Compare(ContainerSpec d, ContainerSpec c, Diff diff)
    {
        diff.Compare("container name", c.Name, d.Name);
        if (d.Image is not null)
        {
            diff.Compare("image", c.Image, d.Image);
        }

        diff.Map("port mapping", Ports(c), Ports(d), desiredKeysOnly: false);
        diff.Map("environment", c.Environment, d.Environment, desiredKeysOnly: false);
        diff.Map("secret", c.Secrets, d.Secrets, desiredKeysOnly: false);
        diff.Compare("entry point", Join(c.EntryPoint), Join(d.EntryPoint));
        diff.Compare("command", Join(c.Command), Join(d.Command));
        diff.Compare("essential", c.Essential, d.Essential);
        diff.Compare("read-only root filesystem", c.ReadonlyRootFilesystem, d.ReadonlyRootFilesystem);
        diff.Compare("privileged", c.Privileged, d.Privileged);
        diff.Compare("stop timeout", c.StopTimeoutSeconds, d.StopTimeoutSeconds);
        diff.Compare("log driver", c.LogDriver, d.LogDriver);
        diff.Map("log option", c.LogOptions, d.LogOptions, desiredKeysOnly: false);
    }

    /// <summary>The container definition of a RegisterTaskDefinition request.</summary>
    /// <param name="container">The container.</param>
    /// <param name="family">The task definition family (for the message when the image is missing).</param>
    /// <param name="secretArn">The ARN of a secret, by name.</param>
    public static Ecs.ContainerDefinition Request(ContainerSpec container, string family, Func<string, string> secretArn) => new()
    {
        Name = container.Name,
        Image = container.Image ?? throw new InvalidOperationException($"Task definition {family} has no image; the image step must run first."),
        Essential = container.Essential,
        ReadonlyRootFilesystem = container.ReadonlyRootFilesystem,
        Privileged = container.Privileged,
        StopTimeout = container.StopTimeoutSeconds,
        PortMappings = [.. container.Ports.Select(p => new Ecs.PortMapping { Name = p.Name, ContainerPort = p.ContainerPort, Protocol = Ecs.TransportProtocol.Tcp, AppProtocol = p.AppProtocol })],
        Environment = [.. container.Environment.Select(e => new Ecs.AwsKeyValuePair { Name = e.Key, Value = e.Value })],
        Secrets = container.Secrets.Count == 0 ? null : [.. container.Secrets.Select(s => new Ecs.Secret { Name = s.Key, ValueFrom = secretArn(s.Value) })],
        EntryPoint = container.EntryPoint,
        Command = container.Command,
        LogConfiguration = new Ecs.LogConfiguration { LogDriver = container.LogDriver, Options = container.LogOptions },
    };

    /// <summary>A one-line summary for the plan's create line.</summary>
    /// <param name="container">The container.</param>
    public static string Describe(ContainerSpec container) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"container {container.Name} ports {(container.Ports.Count == 0 ? "none" : string.Join(", ", container.Ports.Select(p => $"{p.Name} {p.Value}")))}, " +
        $"{container.Environment.Count} env vars, {container.Secrets.Count} secrets, read-only root {(container.ReadonlyRootFilesystem ? "yes" : "no")}, " +
        $"stop timeout {container.StopTimeoutSeconds} s, logs {container.LogDriver}, image {container.Image ?? "from the image step"}");

    private static Dictionary<string, string> Ports(ContainerSpec container) =>
        container.Ports.GroupBy(p => p.Name.Length == 0 ? "(unnamed)" : p.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => string.Join(", ", g.Select(p => p.Value)), StringComparer.Ordinal);

    private static string? Join(IReadOnlyList<string>? parts) => parts is null ? null : string.Join(" ", parts.Select(p => p.Contains(' ', StringComparison.Ordinal) ? $"\"{p}\"" : p));

    private static SortedDictionary<string, string> Sorted(IReadOnlyDictionary<string, string> values) => new(values.ToDictionary(), StringComparer.Ordinal);
}

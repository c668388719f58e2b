using System.Globalization;
using Aspire.Deployer.Model;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.ServiceDefaults;

namespace Aspire.Deployer.Hosting;

/// <summary>One service as read from the model, before its secrets are named: the description and the variables that embed a secret.</summary>
/// <param name="Service">The description (its <see cref="ServiceDescription.Secrets"/> still empty).</param>
/// <param name="SecretVariables">The variables that go to Secrets Manager, with their rendered values.</param>
internal sealed record ServiceDraft(ServiceDescription Service, IReadOnlyDictionary<string, RenderedValue> SecretVariables);

/// <summary>
/// Reads one deployable resource: its image (a Dockerfile to build, or an existing image), its endpoints (which one
/// the load balancer serves, which Service Connect publishes), its environment and arguments (every callback run
/// within a bound, every value rendered with ECS addresses), its entry point, health path and ECS options.
/// </summary>
/// <param name="executionContext">The publish-mode execution context the callbacks run with.</param>
/// <param name="settings">The bound settings (per-service options).</param>
/// <param name="names">Makes the AWS names of a resource.</param>
/// <param name="parameters">Reads parameter values, bounded.</param>
/// <param name="inventory">Which resources are deployed (references to others are refused with the reason).</param>
/// <param name="cancellationToken">Cancels the callbacks.</param>
internal sealed class ServiceReader(
    DistributedApplicationExecutionContext executionContext,
    AwsSettings settings,
    Func<string, AwsNames> names,
    ParameterReader parameters,
    ModelInventory inventory,
    CancellationToken cancellationToken)
{
    /// <summary>How long one environment or argument callback may run.</summary>
    public static TimeSpan CallbackBound { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Reads <paramref name="resource"/>; what cannot be deployed goes to <paramref name="problems"/> (prefixed with its name).</summary>
    /// <param name="resource">A resource <see cref="ModelInventory"/> deploys.</param>
    /// <param name="problems">Where problems go.</param>
    public async Task<ServiceDraft?> ReadAsync(IResource resource, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var found = new List<string>();
        var options = settings.ServiceOptions(resource.Name, resource.TryGetLastAnnotation<EcsServiceAnnotation>(out var ecs) ? ecs.Options : new EcsServiceOptions());
        var (ports, http, external) = Endpoints(resource, found);
        var renderer = new ValueRenderer(parameters, AddressOf, CallbackBound, cancellationToken);
        var (environment, secretVariables, envCalls) = await EnvironmentAsync(resource, renderer, found).ConfigureAwait(false);
        var (command, argCalls) = await ArgumentsAsync(resource, renderer, found).ConfigureAwait(false);
        problems.AddRange(found.Select(p => $"{resource.Name}: {p}"));
        if (found.Count > 0)
        {
            return null;
        }

        var containerPort = (external ?? http)?.ContainerPort ?? 0;
        var service = new ServiceDescription(names(resource.Name), Build(resource), containerPort, external?.PublicPort ?? containerPort, HealthPath(resource),
            environment, new FargateSize(options.Cpu, options.MemoryMiB), options)
        {
            ImageReference = resource.TryGetLastAnnotation<DockerfileBuildAnnotation>(out _) ? null
                : resource.TryGetContainerImageName(useBuiltImage: false, out var image) ? image : null,
            IsExternal = external is not null,
            Ports = ports,
            Calls = [.. envCalls.Concat(argCalls).Distinct(StringComparer.Ordinal).Where(c => c != resource.Name)],
            EntryPoint = (resource as ContainerResource)?.Entrypoint is { Length: > 0 } entry ? [entry] : null,
            Command = command,
        };
        return new ServiceDraft(service, secretVariables);
    }

    private sealed record Endpoint(ServicePort Port, bool IsHttp, bool IsExternal, int PublicPort)
    {
        public int ContainerPort => Port.ContainerPort;
    }

    // Every endpoint as a port; the HTTP one the health path is probed on; the external HTTP one the load balancer serves.
    private static (List<ServicePort> Ports, Endpoint? Http, Endpoint? External) Endpoints(IResource resource, List<string> problems)
    {
        var endpoints = new List<Endpoint>();
        foreach (var annotation in resource.Annotations.OfType<EndpointAnnotation>())
        {
            if ((annotation.TargetPort ?? annotation.Port) is not { } port)
            {
                problems.Add($"endpoint '{annotation.Name}' has no port; give it one (WithHttpEndpoint(targetPort: ...) or WithEndpoint(targetPort: ...)).");
                continue;
            }

            var isHttp = annotation.UriScheme is "http" or "https";
            endpoints.Add(new Endpoint(new ServicePort(annotation.Name, annotation.UriScheme, port), isHttp, annotation.IsExternal && isHttp, annotation.Port ?? port));
        }

        var external = endpoints.Where(e => e.IsExternal).ToList();
        if (external.Count > 1)
        {
            problems.Add($"has {external.Count} external HTTP endpoints ({string.Join(", ", external.Select(e => e.Port.Name))}); the load balancer serves one per service, so keep one external.");
        }

        return ([.. endpoints.Select(e => e.Port)], endpoints.FirstOrDefault(e => e.IsHttp), external.FirstOrDefault());
    }

    private EndpointAddress AddressOf(EndpointReference endpoint)
    {
        var target = endpoint.Resource.Name;
        if (inventory.WhyNot(target) is { } why)
        {
            throw new UnresolvableValueException($"it names endpoint '{endpoint.EndpointName}' of {target}, which is not deployed: {why}");
        }

        EndpointAnnotation annotation;
        try
        {
            annotation = endpoint.EndpointAnnotation;
        }
        catch (InvalidOperationException e)
        {
            throw new UnresolvableValueException($"it names endpoint '{endpoint.EndpointName}' of {target}, which has no such endpoint ({e.Message})");
        }

        var port = annotation.TargetPort ?? annotation.Port
            ?? throw new UnresolvableValueException($"it names endpoint '{endpoint.EndpointName}' of {target}, which has no port");
        return new EndpointAddress(names(target).ServiceConnectName, port, annotation.UriScheme, annotation.TlsEnabled);
    }

    private async Task<(Dictionary<string, string> Plain, Dictionary<string, RenderedValue> Secret, List<string> Calls)> EnvironmentAsync(
        IResource resource, ValueRenderer renderer, List<string> problems)
    {
        var raw = new Dictionary<string, object>();
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await BoundedAsync("an environment callback", () => callback.Callback(new EnvironmentCallbackContext(executionContext, resource, raw, cancellationToken)), problems)
                .ConfigureAwait(false);
        }

        var (plain, secret, calls) = (new Dictionary<string, string>(StringComparer.Ordinal), new Dictionary<string, RenderedValue>(StringComparer.Ordinal), new List<string>());
        foreach (var (name, value) in raw)
        {
            var usedAs = $"{name} of {resource.Name}";
            try
            {
                var rendered = await renderer.RenderAsync(value, usedAs).ConfigureAwait(false);
                calls.AddRange(rendered.References);
                if (rendered.IsSecret(parameters))
                {
                    secret[name] = rendered;
                }
                else
                {
                    plain[name] = await renderer.TextAsync(rendered, usedAs).ConfigureAwait(false);
                }
            }
            catch (UnresolvableValueException e)
            {
                problems.Add($"environment variable {name} cannot be deployed: {e.Message}.");
            }
        }

        return (plain, secret, calls);
    }

    private async Task<(List<string>? Command, List<string> Calls)> ArgumentsAsync(IResource resource, ValueRenderer renderer, List<string> problems)
    {
        var raw = new List<object>();
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            var context = new CommandLineArgsCallbackContext(raw, resource, cancellationToken) { ExecutionContext = executionContext };
            await BoundedAsync("an argument callback", () => callback.Callback(context), problems).ConfigureAwait(false);
        }

        var (command, calls) = (new List<string>(), new List<string>());
        for (var i = 0; i < raw.Count; i++)
        {
            var usedAs = string.Create(CultureInfo.InvariantCulture, $"argument {i + 1} of {resource.Name}");
            try
            {
                var rendered = await renderer.RenderAsync(raw[i], usedAs).ConfigureAwait(false);
                calls.AddRange(rendered.References);
                if (rendered.IsSecret(parameters))
                {
                    problems.Add($"{usedAs} comes from a secret, and a task definition's command is plain text: pass the secret as an environment variable " +
                                 "(WithEnvironment) and read it there (a shell command can use $NAME).");
                    continue;
                }

                command.Add(await renderer.TextAsync(rendered, usedAs).ConfigureAwait(false));
            }
            catch (UnresolvableValueException e)
            {
                problems.Add($"{usedAs} cannot be deployed: {e.Message}.");
            }
        }

        return (command.Count > 0 ? command : null, calls);
    }

    private async Task BoundedAsync(string what, Func<Task> callback, List<string> problems)
    {
        var run = callback();
        if (await Task.WhenAny(run, Task.Delay(CallbackBound, cancellationToken)).ConfigureAwait(false) != run)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{what} did not finish within {CallbackBound.TotalSeconds:0} s (in publish mode it may wait for something that never comes, such as an endpoint's address)."));
            return;
        }

        await run.ConfigureAwait(false);
    }

    private static ImageSource? Build(IResource resource) =>
        resource.TryGetLastAnnotation<DockerfileBuildAnnotation>(out var build)
            ? new ImageSource(build.ContextPath, build.DockerfilePath,
                build.BuildArguments.Where(a => a.Value is string or null).ToDictionary(a => a.Key, a => (string?)a.Value ?? string.Empty))
            : null;

    // The readiness probe the AppHost declared is what the load balancer and the smoke test check; the contract's path otherwise.
    private static string HealthPath(IResource resource) =>
        resource.Annotations.OfType<EndpointProbeAnnotation>().FirstOrDefault(p => p.Type == ProbeType.Readiness)?.Path ?? ServiceContract.HealthPath;
}

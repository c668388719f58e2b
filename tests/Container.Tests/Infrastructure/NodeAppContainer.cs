using Aspire.ServiceDefaults;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;

namespace NodeApp.Container.Tests.Infrastructure;

/// <summary>Containers of the node-app image: random host port, ready when /health answers 200 to the host.</summary>
internal static class NodeAppContainer
{
    /// <summary>The port the image listens on by default (ENV PORT, EXPOSE).</summary>
    public const int DefaultPort = 4000;

    /// <summary>Label on every container the tests start, so leftovers of a killed run can be found.</summary>
    public const string Label = "node-app.container-tests";

    /// <summary>
    /// A container of the image, its <paramref name="port"/> published on a random host port, started once /health
    /// answers 200 to an HTTP request from the host (no shell-based wait: it must also work on shell-less images).
    /// </summary>
    public static ContainerBuilder Create(string image, int port = DefaultPort) =>
        new ContainerBuilder(image)
            .WithLabel(Label, "true")
            .WithPortBinding(port, assignRandomHostPort: true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(
                request => request.ForPort((ushort)port).ForPath(ServiceContract.HealthPath),
                wait => wait.WithTimeout(TimeSpan.FromSeconds(30)).WithInterval(TimeSpan.FromMilliseconds(100))));

    /// <summary>A container that is not waited on: started as soon as Docker reports it running.</summary>
    public static ContainerBuilder CreateUnwaited(string image, int port = DefaultPort) =>
        new ContainerBuilder(image)
            .WithLabel(Label, "true")
            .WithPortBinding(port, assignRandomHostPort: true);

    /// <summary>An HTTP client addressing the container's published <paramref name="port"/>.</summary>
    public static HttpClient HttpClientFor(IContainer container, int port = DefaultPort) =>
        new()
        {
            BaseAddress = new Uri($"http://{container.Hostname}:{container.GetMappedPublicPort(port)}"),
            Timeout = TimeSpan.FromSeconds(15),
        };

    /// <summary>Sends <paramref name="signal"/> to the container's PID 1, as `docker kill --signal` does.</summary>
    public static Task SignalAsync(IContainer container, string signal) =>
        DockerEngine.Client.Containers.KillContainerAsync(container.Id, new ContainerKillParameters { Signal = signal });

    /// <summary>Waits until the container has exited and returns its exit code.</summary>
    public static async Task<long> WaitForExitAsync(IContainer container, TimeSpan timeout)
    {
        var response = await DockerEngine.Client.Containers.WaitContainerAsync(container.Id).WaitAsync(timeout);
        return response.StatusCode;
    }

    /// <summary>Removes a container at once (SIGKILL), for disposals that must not wait on a graceful shutdown.</summary>
    public static async Task ForceRemoveAsync(IContainer container)
    {
        try
        {
            await DockerEngine.Client.Containers.RemoveContainerAsync(container.Id, new ContainerRemoveParameters { Force = true });
        }
        catch (Docker.DotNet.DockerContainerNotFoundException)
        {
            // already gone
        }

        await container.DisposeAsync();
    }
}

using Docker.DotNet;
using DotNet.Testcontainers.Configurations;

namespace NodeApp.Container.Tests.Infrastructure;

/// <summary>
/// The Docker engine the tests run against. A missing engine fails every test with one clear message
/// (never a skip: under CI=true a skipped container test would hide a broken image).
/// </summary>
internal static class DockerEngine
{
    private static readonly Lazy<DockerClient> LazyClient = new(CreateClient);

    /// <summary>A Docker API client configured exactly as Testcontainers' own (endpoint and API version).</summary>
    public static DockerClient Client => LazyClient.Value;

    /// <summary>The message every test fails with when no engine answers.</summary>
    public static string UnavailableMessage =>
        "No Docker engine answers, so the container tests cannot run (they fail rather than skip" +
        (IsCi ? ", and CI=true is set" : string.Empty) + "). Run scripts/docker-engine.sh (installs and starts dockerd), " +
        "then scripts/base-image.sh, and export DOCKER_API_VERSION=1.41 TESTCONTAINERS_RYUK_DISABLED=true " +
        "for Debian's dockerd 20.10.";

    private static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws with <see cref="UnavailableMessage"/> unless the engine answers a ping.</summary>
    public static async Task EnsureAvailableAsync()
    {
        try
        {
            await Client.System.PingAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is not InvalidOperationException)
        {
            throw new InvalidOperationException(UnavailableMessage + " Cause: " + ex.Message, ex);
        }
    }

    private static DockerClient CreateClient()
    {
        var endpoint = TestcontainersSettings.OS.DockerEndpointAuthConfig
            ?? throw new InvalidOperationException(UnavailableMessage);
        return endpoint.GetDockerClientBuilder(Guid.NewGuid()).Build();
    }
}

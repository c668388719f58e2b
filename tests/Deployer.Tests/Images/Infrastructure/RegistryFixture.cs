namespace Aspire.Deployer.Tests.Images.Infrastructure;

/// <summary>
/// One registry with htpasswd auth for the image pipeline tests, after checking the Docker engine and base image.
/// One registry for all: every first push of the node base layers to a new registry costs 10-20 s here (gzip on 2 cores).
/// </summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    /// <summary>The registry (accepts only <see cref="LocalRegistry.User"/> / <see cref="LocalRegistry.Password"/>).</summary>
    public LocalRegistry Registry { get; private set; } = null!;

    /// <summary>The engine's platform, e.g. linux/amd64.</summary>
    public string EnginePlatform { get; private set; } = string.Empty;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        EnginePlatform = await TestEnvironment.EnsureDockerAsync();
        Registry = await LocalRegistry.StartAsync(withAuth: true);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Registry is not null)
        {
            await Registry.DisposeAsync();
        }
    }
}

/// <summary>The tests that share <see cref="RegistryFixture"/> (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Image pipeline with a local registry";
}

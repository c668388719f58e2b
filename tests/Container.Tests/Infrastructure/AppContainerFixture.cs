using DotNet.Testcontainers.Containers;

namespace NodeApp.Container.Tests.Infrastructure;

/// <summary>One running node-app container (default settings), shared by a test class.</summary>
public sealed class AppContainerFixture : IAsyncLifetime
{
    private IContainer? _container;
    private HttpClient? _http;

    /// <summary>The running container.</summary>
    public IContainer Container => _container ?? throw new InvalidOperationException("fixture not initialized");

    /// <summary>An HTTP client addressing the container's port 4000.</summary>
    public HttpClient Http => _http ?? throw new InvalidOperationException("fixture not initialized");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var image = await NodeAppImage.GetAsync();
        _container = NodeAppContainer.Create(image).Build();
        await _container.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        _http = NodeAppContainer.HttpClientFor(_container);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}

using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Tests;

/// <summary>
/// yarn and pnpm apps (fixtures with lockfiles those tools wrote) install with a frozen install and start under the
/// AppHost; the install is checked again at every start.
/// </summary>
public sealed class PackageManagerTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task YarnApp_IsDetectedFromItsLockfile_InstallsImmutably_StartsAndIsUpToDateOnRestart()
    {
        AppCopy.RequireOnPath("yarn");
        using var copy = AppCopy.OfFixture("yarn-app");

        await using var app = await StartAsync("yarn-app", copy.Path, app => { });

        Assert.Equal("yarn", app.Resource.PackageManager?.Name);
        Assert.Equal(KnownResourceStates.Finished, InstallState(app.App, "yarn-app"));
        Assert.True(File.Exists(Path.Combine(copy.Path, "node_modules", ".yarn-state.yml")));
        var answer = await GetAsync(app.App, "yarn-app");
        Assert.Equal("1m", answer.GetProperty("minute").GetString()); // its dependency (ms) was installed
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("script").ValueKind); // node ran server.js itself

        // A restart checks again, and finds nothing to install.
        await RestartAsync(app.App, "yarn-app");
        using var checkedAgain = new CancellationTokenSource(StartTimeout);
        var notifications = app.App.Services.GetRequiredService<ResourceNotificationService>();
        await notifications.WaitForResourceAsync("yarn-app-install", "Up to date", checkedAgain.Token);
        await notifications.WaitForResourceAsync("yarn-app", KnownResourceStates.Running, checkedAgain.Token);
    }

    [Fact]
    public async Task PnpmApp_WithRunScript_InstallsWithFrozenLockfile_AndStartsThroughPnpmRun()
    {
        AppCopy.RequireOnPath("pnpm");
        using var copy = AppCopy.OfFixture("pnpm-app");

        await using var app = await StartAsync("pnpm-app", copy.Path, app => app.WithPnpm().WithRunScript("dev"));

        Assert.Equal(KnownResourceStates.Finished, InstallState(app.App, "pnpm-app"));
        Assert.True(File.Exists(Path.Combine(copy.Path, "node_modules", ".modules.yaml")));
        var answer = await GetAsync(app.App, "pnpm-app");
        Assert.Equal("1m", answer.GetProperty("minute").GetString());
        Assert.Equal("dev", answer.GetProperty("script").GetString()); // started as `pnpm run dev`
    }

    [Fact]
    public async Task RunScript_ThatPackageJsonLacks_IsAClearError()
    {
        using var copy = AppCopy.OfFixture("pnpm-app");
        var builder = await NodeAppFixture.CreateBuilderAsync();
        builder.AddNodeApp("pnpm-app", copy.Path, "server.js").WithRunScript("serve").WithHttpEndpoint(env: "PORT", isProxied: false);
        await using var app = await builder.BuildAsync();

        var error = await Record.ExceptionAsync(() => app.StartAsync().WaitAsync(StartTimeout));

        var cause = Assert.IsType<DistributedApplicationException>(error is AggregateException aggregate ? aggregate.InnerException : error);
        Assert.Equal("pnpm-app: package.json has no script 'serve' for WithRunScript; it has dev.", cause.Message);
    }

    private static async Task<StartedApp> StartAsync(string name, string directory, Action<IResourceBuilder<NodeAppResource>> configure)
    {
        var builder = await NodeAppFixture.CreateBuilderAsync();
        var resource = builder.AddNodeApp(name, directory, "server.js")
            .WithHttpEndpoint(env: "PORT", isProxied: false)
            .WithHttpHealthCheck("/");
        configure(resource);
        var app = await builder.BuildAsync().WaitAsync(StartTimeout);
        await app.StartAsync().WaitAsync(StartTimeout);
        await NodeAppFixture.WaitUntilHealthyAsync(app, name, StartTimeout);
        return new StartedApp(app, resource.Resource);
    }

    private static async Task<JsonElement> GetAsync(DistributedApplication app, string name)
    {
        using var http = app.CreateHttpClient(name);
        http.Timeout = TimeSpan.FromSeconds(10);
        return await http.GetFromJsonAsync<JsonElement>("/");
    }

    private static async Task RestartAsync(DistributedApplication app, string name)
    {
        var result = await app.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync(ResourceId(app, name), KnownResourceCommands.RestartCommand, CancellationToken.None).WaitAsync(StartTimeout);
        Assert.True(result.Success, result.Message);
    }

    private static string ResourceId(DistributedApplication app, string name) =>
        app.Services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState(name, out var e) ? e.ResourceId : name;

    private static string? InstallState(DistributedApplication app, string name) =>
        app.Services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState($"{name}-install", out var e)
            ? e.Snapshot.State?.Text
            : null;

    private sealed record StartedApp(DistributedApplication App, NodeAppResource Resource) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}

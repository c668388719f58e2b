using Aspire.Deployer.Resources;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Tests.Aws;
using Aspire.Deployer.Tests.Images.Infrastructure;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Verbs;
using Xunit.Abstractions;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>
/// The Aspire CLI path, as a user runs it from the repository root: the local tool (<c>.config/dotnet-tools.json</c>,
/// restored by <c>dotnet tool restore</c>) and the committed <c>aspire.config.json</c> naming the AppHost, so no
/// <c>--apphost</c> is given. <c>aspire deploy</c> builds, smoke-tests and pushes node-app to a local registry and
/// deploys it to moto; <c>aspire destroy --yes</c> removes it all. Heavy (a build, a docker build), so they run alone.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class AspireCliTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private readonly string _app = PlanSamples.UniqueApp();
    private readonly string _summary = Path.Combine(Path.GetTempPath(), $"aspire-cli-{Guid.NewGuid():N}.json");

    public void Dispose()
    {
        TestEnvironment.RemoveImagesOf(_app, "production");
        File.Delete(_summary);
    }

    [Fact]
    public async Task AspireDeployThenDestroy_FromTheRepositoryRoot_DeployToMotoAndRemoveEverything()
    {
        await TestEnvironment.EnsureDockerAsync();
        await using var registry = await LocalRegistry.StartAsync();
        var moto = await MotoServer.GetAsync();
        var environment = CommandLine.AwsEnvironment(moto.Endpoint);
        await RestoreToolAsync(environment);

        var deploy = await AspireAsync(["deploy", "--non-interactive", "--", "--Aws:AppName", _app, $"--Aws:Registry={registry.Address}",
            "--Aws:WaitForHealthyTargets=false", "--Aws:IamSettleSeconds=0", "--Aws:DeployPollSeconds=1", $"--Aws:SummaryFile={_summary}"], environment);

        Assert.Equal(0, deploy.ExitCode);
        var summary = DeploySummary.FromJson(await File.ReadAllTextAsync(_summary))!;
        Assert.Equal(("succeeded", _app, "production"), (summary.Result, summary.App, summary.Environment));
        Assert.StartsWith($"{registry.Address}/{_app}/production/node-app@sha256:", Assert.Single(summary.Services).Image);
        Assert.NotEmpty(await registry.TagsAsync($"{_app}/production/node-app"));
        var scope = new AppScope(_app, "production");
        using (var aws = await moto.SessionAsync())
        {
            Assert.False((await Destroyer.FindAsync(aws, Registry.Kinds, scope)).IsEmpty);
        }

        var destroy = await AspireAsync(["destroy", "--non-interactive", "--yes", "--", "--Aws:AppName", _app], environment);

        Assert.Equal(0, destroy.ExitCode);
        Assert.Contains(destroy.Lines, l => l.Contains($"of app '{_app}'", StringComparison.Ordinal));
        using (var aws = await moto.SessionAsync())
        {
            Assert.True((await Destroyer.FindAsync(aws, Registry.Kinds, scope)).IsEmpty);
        }
    }

    [Fact]
    public async Task AspireDeploy_InvalidSetting_FailsPrintingTheProblemOnceWithoutAStackTrace()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var environment = CommandLine.AwsEnvironment(proxy.Endpoint);
        await RestoreToolAsync(environment);

        var deploy = await AspireAsync(["deploy", "--non-interactive", "--", "--Aws:AppName", _app, "--Aws:Services:node-app:Cpu=300"], environment);

        Assert.NotEqual(0, deploy.ExitCode);
        Assert.Equal(1, deploy.LinesWith("cpu 300 is not a Fargate size"));
        Assert.Empty(deploy.StackFrames);
        Assert.Empty(proxy.Captured);
    }

    private async Task RestoreToolAsync(IReadOnlyDictionary<string, string?> environment)
    {
        var restore = await CommandLine.RunAsync("dotnet", ["tool", "restore"], environment, TimeSpan.FromMinutes(3), output);
        Assert.True(restore.ExitCode == 0, "dotnet tool restore failed (the Aspire CLI is a local tool: .config/dotnet-tools.json).");
    }

    private Task<CommandResult> AspireAsync(string[] arguments, IReadOnlyDictionary<string, string?> environment) =>
        CommandLine.RunAsync("dotnet", ["aspire", .. arguments], environment, Timeout, output);
}

using Aspire.Deployer.Engine;
using Aspire.Deployer.Hosting;
using Aspire.Deployer.Tests.Aws;
using Aspire.Deployer.Tests.Images.Infrastructure;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Tests.Verbs;
using Aspire.Deployer.Verbs;
using Aspire.Hosting;
using Xunit.Abstractions;
using Ecs = Aspire.Deployer.Aws.Ecs;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>
/// The aws-deploy pipeline step, run by Aspire's own pipeline in an in-process AppHost: the model's Dockerfile
/// resource is built, smoke-tested and pushed to a registry on loopback, then deployed to moto (reached through the
/// standard AWS variables and a recording proxy). The tests change process-wide environment variables, so they run
/// in the process-environment collection.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class DeployStepTests(ITestOutputHelper output) : IDisposable
{
    private readonly AwsProcessEnvironment _environment = new();
    private readonly List<string> _apps = [];
    private int _modelReads;

    public void Dispose()
    {
        _environment.Dispose();
        // The step built and tagged the image under the app's own name: leave no test images behind.
        foreach (var app in _apps)
        {
            TestEnvironment.RemoveImagesOf(app, "test");
            File.Delete(SummaryFile(app));
        }
    }

    private static string SummaryFile(string app) => Path.Combine(Path.GetTempPath(), $"{app}-summary.json");

    private string NewApp()
    {
        var app = PlanSamples.UniqueApp();
        _apps.Add(app);
        return app;
    }

    [Fact]
    public async Task DeployStep_FromTheAppHostModel_PushesDeploysWaitsAndWritesTheSummary()
    {
        await TestEnvironment.EnsureDockerAsync();
        await using var registry = await LocalRegistry.StartAsync();
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var context = TestApp.Create(AppBehaviour.Healthy);
        var app = NewApp();
        var summaryFile = SummaryFile(app);
        AwsProcessEnvironment.PointAt(proxy.Endpoint.ToString());

        var lines = await RunDeployStepAsync(app, context.Directory, [$"--Aws:Registry={registry.Address}", $"--Aws:SummaryFile={summaryFile}"]);

        Assert.Equal(0, Environment.ExitCode);
        // The images step and the deploy step that depends on it share one read of the model.
        Assert.Equal(1, _modelReads);
        // docker build output is one line per build stage (the test Dockerfile has one), not every instruction.
        Assert.Contains(lines, l => l.StartsWith("stage 1: FROM ${BASE}", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("Step ", StringComparison.Ordinal) || l.StartsWith(" ---> ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Plan: 12 to create", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Deploy succeeded", StringComparison.Ordinal));
        var summary = DeploySummary.FromJson(await File.ReadAllTextAsync(summaryFile))!;
        Assert.Equal(("succeeded", app, "test", "us-east-1"), (summary.Result, summary.App, summary.Environment, summary.Region));
        var service = Assert.Single(summary.Services);
        Assert.StartsWith($"{registry.Address}/{app}/test/web@sha256:", service.Image);
        Assert.Matches("^http://.+:80$", service.Url);
        Assert.Contains(service.Url!, string.Join("\n", lines));
        Assert.Equal(12, summary.Changes["create"]);
        Assert.NotEmpty(await registry.TagsAsync($"{app}/test/web"));

        // The task definition runs the pushed image by digest, with the model's environment.
        using var aws = await moto.SessionAsync();
        var td = (await aws.Ecs.DescribeTaskDefinitionAsync(new Ecs.DescribeTaskDefinitionRequest { TaskDefinition = service.TaskDefinitionArn! })).TaskDefinition!;
        var container = Assert.Single(td.ContainerDefinitions!);
        Assert.Equal(service.Image, container.Image);
        Assert.Contains(container.Environment!, e => e.Name == "GREETING" && e.Value == "hi");
        Assert.Contains(container.Environment!, e => e.Name == "PORT" && e.Value == "4000");

        // Second run: nothing built or pushed, no changing AWS call.
        var before = proxy.Captured.Count;
        var again = await RunDeployStepAsync(app, context.Directory, [$"--Aws:Registry={registry.Address}", $"--Aws:SummaryFile={summaryFile}"]);
        Assert.Equal(0, Environment.ExitCode);
        Assert.Contains(again, l => l.Contains("No changes.", StringComparison.Ordinal));
        Assert.DoesNotContain(proxy.Captured.Skip(before).Select(ApplyTestKit.Operation), ApplyTestKit.IsMutating);
        Assert.Equal(0, DeploySummary.FromJson(await File.ReadAllTextAsync(summaryFile))!.MutatingCalls);
    }

    [Fact]
    public async Task DeployStep_ImageFailsItsSmokeTest_ExitsOneWritesFailedSummaryAndChangesNothing()
    {
        await TestEnvironment.EnsureDockerAsync();
        await using var registry = await LocalRegistry.StartAsync();
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var context = TestApp.Create(AppBehaviour.ExitsAtStart);
        var app = NewApp();
        var summaryFile = SummaryFile(app);
        AwsProcessEnvironment.PointAt(proxy.Endpoint.ToString());

        var lines = await RunDeployStepAsync(app, context.Directory, [$"--Aws:Registry={registry.Address}", $"--Aws:SummaryFile={summaryFile}"]);

        Assert.Equal(1, Environment.ExitCode);
        Assert.Contains(lines, l => l.StartsWith("Deploy failed:", StringComparison.Ordinal));
        var summary = DeploySummary.FromJson(await File.ReadAllTextAsync(summaryFile))!;
        Assert.Equal(("failed", app), (summary.Result, summary.App));
        Assert.NotNull(summary.Error);
        Assert.Null(Assert.Single(summary.Services).Image);
        Assert.DoesNotContain(proxy.Captured.Select(ApplyTestKit.Operation), ApplyTestKit.IsMutating);
    }

    [Fact]
    public async Task DeployStep_RolloutFailsWithAPullErrorAndACrash_ExitsOneWithTheDiagnosisPrintedAndInTheSummary()
    {
        await TestEnvironment.EnsureDockerAsync();
        await using var registry = await LocalRegistry.StartAsync();
        var moto = await MotoServer.GetAsync();
        using var context = TestApp.Create(AppBehaviour.Healthy);
        var app = NewApp();
        var names = new Aspire.Deployer.Model.AwsNames(app, "test", "web");
        using (var aws = await moto.SessionAsync())
        {
            await LogEvents.WriteAsync(aws, names.LogGroup, LogEvents.Stream("web", "web", "0f9e8d7c6b5a4938"), DateTimeOffset.UtcNow.AddSeconds(-20),
                "Error: listen EADDRINUSE: address already in use :::4000");
        }

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        proxy.Behaviours.Add(new FailedRollout(names.Service,
        [
            new ScriptedStoppedTask("a1b2c3d4e5f60718", "TaskFailedToStart", "CannotPullContainerError: failed to do request: dial tcp 52.94.1.1:443: i/o timeout", null),
            new ScriptedStoppedTask("0f9e8d7c6b5a4938", "EssentialContainerExited", "Essential container in task exited", 1),
        ]));
        AwsProcessEnvironment.PointAt(proxy.Endpoint.ToString());

        var lines = await RunDeployStepAsync(app, context.Directory, [$"--Aws:Registry={registry.Address}", $"--Aws:SummaryFile={SummaryFile(app)}"]);

        Assert.Equal(1, Environment.ExitCode);
        var text = string.Join("\n", lines);
        Assert.Contains("no route from the task's subnets to the registry", text);
        Assert.Contains("container web exited with code 1 as it started", text);
        Assert.Contains("| Error: listen EADDRINUSE: address already in use :::4000", text);
        Assert.Contains("fix: Tasks in public subnets need a public IP", text);
        var summary = DeploySummary.FromJson(await File.ReadAllTextAsync(SummaryFile(app)))!;
        Assert.Equal("failed", summary.Result);
        Assert.Equal(["CannotPullContainerError", "ContainerExited"], Assert.Single(summary.Diagnosis!).Causes.Select(c => c.Code));
    }

    [Fact]
    public async Task DeployStep_InvalidCpuMemory_FailsWithExitCodeOneAndNoAwsCall()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        AwsProcessEnvironment.PointAt(proxy.Endpoint.ToString());
        var app = PlanSamples.UniqueApp();

        var lines = await RunDeployStepAsync(app, Path.GetTempPath(), ["--Aws:Services:web:Cpu=256", "--Aws:Services:web:MemoryMiB=4096"]);

        Assert.Equal(1, Environment.ExitCode);
        Assert.Contains(lines, l => l.Contains("nothing was changed", StringComparison.Ordinal));
        Assert.Empty(proxy.Captured);
    }

    [Fact]
    public async Task DeployStep_VolumeBackedContainer_IsRefusedWithTheReasonAndTheWayOut_AndNoAwsCall()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        AwsProcessEnvironment.PointAt(proxy.Endpoint.ToString());

        var lines = await PipelineStepHarness.RunAsync(
            ["--operation", "publish", "--step", AwsEcsEnvironmentResource.DeployStep, "--Aws:AppName", PlanSamples.UniqueApp(), "--Aws:Environment", "test"],
            builder => builder.AddDockerfile("web", Path.GetTempPath()).WithHttpEndpoint(targetPort: 4000, env: "PORT").WithExternalHttpEndpoints()
                .WithReference(builder.AddRedis("cache").WithDataVolume()),
            TimeSpan.FromSeconds(60),
            output);

        Assert.Equal(1, Environment.ExitCode);
        Assert.Single(lines, l => l.Contains("Deploy failed: the deployment is not valid; nothing was changed.", StringComparison.Ordinal));
        var problem = Assert.Single(lines, l => l.Contains("- cache: has a volume at /data", StringComparison.Ordinal));
        Assert.Contains("use a managed service", problem);
        Assert.Contains("AddConnectionString or AddParameter", problem);
        Assert.Empty(proxy.Captured);
    }

    private Task<List<string>> RunDeployStepAsync(string app, string contextDirectory, string[] extra) =>
        PipelineStepHarness.RunAsync(
            [
                "--operation", "publish", "--step", AwsEcsEnvironmentResource.DeployStep, "--Aws:AppName", app, "--Aws:Environment", "test",
                "--Aws:WaitForHealthyTargets=false", "--Aws:IamSettleSeconds=0", "--Aws:DeployPollSeconds=0.1", "--Aws:DeployTimeoutMinutes=0.5", .. extra,
            ],
            builder => builder.AddDockerfile("web", contextDirectory)
                .WithHttpEndpoint(port: 80, targetPort: 4000, env: "PORT")
                .WithExternalHttpEndpoints()
                .WithBuildArg("BASE", TestEnvironment.NodeBaseImage)
                .WithEnvironment("GREETING", "hi")
                .WithEnvironment(_ => Interlocked.Increment(ref _modelReads))
                .PublishAsEcsService(),
            TimeSpan.FromSeconds(150),
            output);
}

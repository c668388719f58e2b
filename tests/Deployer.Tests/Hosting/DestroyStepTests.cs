using Aspire.Deployer.Resources;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Hosting;
using Aspire.Deployer.Model;
using Aspire.Deployer.Tests.Aws;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Tests.Verbs;
using Aspire.Deployer.Verbs;
using Aspire.Hosting;
using Xunit.Abstractions;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>
/// The aws-destroy and aws-status pipeline steps, run by Aspire's own pipeline in an in-process AppHost pointed at
/// moto through the standard AWS variables. They change process-wide environment variables, so they run alone
/// (in the process-environment collection, after the parallel tests).
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class DestroyStepTests(ITestOutputHelper output) : IDisposable
{
    private readonly AwsProcessEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    [Fact]
    public async Task DestroyStep_InvalidModel_ActsOnTheConfiguredNamesAndRemovesTheApp_ThenStatusSaysNothingDeployed()
    {
        // Arrange: the app deployed; a model that is not valid any more (a cpu/memory pair Fargate does not take).
        var moto = await MotoServer.GetAsync();
        var app = PlanSamples.UniqueApp();
        var deployment = DestroySamples.Deployment(app);
        using (var direct = await moto.SessionAsync())
        {
            await DestroySamples.DeployAsync(direct, deployment);
        }

        AwsProcessEnvironment.PointAt(moto.Endpoint.ToString());

        // Act
        var destroy = await RunStepAsync(AwsEcsEnvironmentResource.DestroyStep, app, "--Aws:Services:web:Cpu=512", "--Aws:Services:web:MemoryMiB=512");
        var status = await RunStepAsync(AwsEcsEnvironmentResource.StatusStep, app);

        // Assert
        Assert.Equal(0, Environment.ExitCode);
        // Destroy needs no valid model (nor parameter values): the app and environment come from the settings.
        Assert.Contains(destroy, l => l.StartsWith($"Acting on app '{app}', environment 'test'", StringComparison.Ordinal));
        Assert.DoesNotContain(destroy, l => l.Contains("not valid", StringComparison.Ordinal));
        Assert.Contains(destroy, l => l.StartsWith($"Destroyed 13 resource(s) of app '{app}'", StringComparison.Ordinal));
        Assert.Contains(status, l => l.StartsWith($"Nothing is deployed for app '{app}', environment 'test'", StringComparison.Ordinal));
        using var check = await moto.SessionAsync();
        Assert.True((await Destroyer.FindAsync(check, Registry.Kinds, AppScope.From(deployment))).IsEmpty);
    }

    [Fact]
    public async Task StatusStep_AwsUnreachable_FailsTheStepWithExitCode1AndSaysWhatToDo()
    {
        AwsProcessEnvironment.PointAt($"http://127.0.0.1:{MotoServer.FreePort()}");

        var lines = await RunStepAsync(AwsEcsEnvironmentResource.StatusStep, PlanSamples.UniqueApp());

        Assert.Equal(1, Environment.ExitCode);
        Assert.Contains(lines, l => l.StartsWith("Status failed: ", StringComparison.Ordinal)
            && l.Contains(AwsApiException.ConnectionFailureCode, StringComparison.Ordinal)
            && l.Contains("Check the network and AWS_ENDPOINT_URL", StringComparison.Ordinal));
    }

    private Task<List<string>> RunStepAsync(string step, string app, params string[] extra) =>
        PipelineStepHarness.RunAsync(
            ["--operation", "publish", "--step", step, "--Aws:AppName", app, "--Aws:Environment", "test", .. extra],
            builder => builder.AddDockerfile("web", Path.GetTempPath())
                .WithHttpEndpoint(port: 80, targetPort: 8080, env: "PORT")
                .WithExternalHttpEndpoints()
                .PublishAsEcsService(),
            TimeSpan.FromSeconds(60),
            output);
}

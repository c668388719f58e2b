using Aspire.Deployer.Hosting;
using Aspire.Deployer.Model;
using Aspire.Deployer.Tests.Aws;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Hosting;
using Xunit.Abstractions;
using Ecs = Aspire.Deployer.Aws.Ecs;
using static Aspire.Deployer.Tests.Verbs.ApplyTestKit;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>
/// The aws-rollback step, run by Aspire's pipeline in an in-process AppHost against moto: after two deploys with
/// different environment values it leaves the service on revision 1 and exits 0; with no earlier revision it is
/// refused, exit code 1, nothing changed. Changes process-wide variables: the process-environment collection.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class RollbackStepTests(ITestOutputHelper output) : IDisposable
{
    private readonly AwsProcessEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    private static DeploymentDescription WithGreeting(DeploymentDescription deployment, string greeting) => deployment with
    {
        Services = [deployment.Services[0] with { Environment = new Dictionary<string, string>(deployment.Services[0].Environment) { ["GREETING"] = greeting } }],
    };

    [Fact]
    public async Task RollbackStep_AfterTwoDeploys_LeavesTheServiceOnRevisionOne_AndWithNoEarlierOneIsRefused()
    {
        var moto = await MotoServer.GetAsync();
        var first = WithGreeting(PlanSamples.Deployment(PlanSamples.UniqueApp()), "hello");
        var names = first.Services[0].Names;
        await DeployAsync(moto.Endpoint, first, Image(first));
        await DeployAsync(moto.Endpoint, WithGreeting(first, "hi"), Image(first));
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        AwsProcessEnvironment.PointAt(proxy.Endpoint.ToString());

        var lines = await RunRollbackStepAsync(first.App);

        Assert.Equal(0, Environment.ExitCode);
        Assert.Contains($"web: {names.TaskFamily}:2 -> {names.TaskFamily}:1", lines);
        Assert.Contains(lines, l => l.StartsWith("Rollback succeeded:", StringComparison.Ordinal));
        using var aws = await moto.SessionAsync();
        var service = Assert.Single((await aws.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = names.Cluster, Services = [names.Service] })).Services!);
        Assert.EndsWith($"{names.TaskFamily}:1", service.TaskDefinition);

        // Already on the first revision: nothing earlier to go back to.
        Environment.ExitCode = 0;
        var before = MutatingOperations(proxy).Count;
        var refused = await RunRollbackStepAsync(first.App);

        Assert.Equal(1, Environment.ExitCode);
        Assert.Equal(1, refused.Count(l => l.Contains($"Rollback refused: web: there is no revision of {names.TaskFamily} before 1", StringComparison.Ordinal)));
        Assert.Equal(before, MutatingOperations(proxy).Count);
    }

    private Task<List<string>> RunRollbackStepAsync(string app) =>
        PipelineStepHarness.RunAsync(
            ["--operation", "publish", "--step", AwsEcsEnvironmentResource.RollbackStep, "--Aws:AppName", app, "--Aws:Environment", "test",
             "--Aws:WaitForHealthyTargets=false", "--Aws:DeployPollSeconds=0.1", "--Aws:DeployTimeoutMinutes=0.5"],
            builder => builder.AddDockerfile("web", Path.GetTempPath()).WithHttpEndpoint(port: 80, targetPort: 8080, env: "PORT").PublishAsEcsService(),
            TimeSpan.FromSeconds(120),
            output);
}

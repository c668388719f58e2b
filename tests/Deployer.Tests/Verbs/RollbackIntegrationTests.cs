using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Verbs;
using Ecs = Aspire.Deployer.Aws.Ecs;
using static Aspire.Deployer.Tests.Verbs.ApplyTestKit;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>
/// The rollback verb against moto: after two deploys with different environment values the service goes back to
/// revision 1 (one UpdateService, what changed printed), a later deploy of the newer source goes forward again
/// (shown by its plan, reusing revision 2), a chosen revision is honoured, and a service with no earlier revision is
/// refused without any change.
/// </summary>
public sealed class RollbackIntegrationTests
{
    private static readonly RollbackOptions Options = new() { Wait = MotoSettings.Wait };

    private static DeploymentDescription WithGreeting(DeploymentDescription deployment, string greeting) => deployment with
    {
        Services = [deployment.Services[0] with { Environment = new Dictionary<string, string>(deployment.Services[0].Environment) { ["GREETING"] = greeting } }],
    };

    private static async Task<string> RunningRevisionAsync(MotoServer moto, AwsNames names)
    {
        using var aws = await moto.SessionAsync();
        var described = await aws.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = names.Cluster, Services = [names.Service] });
        return Aspire.Deployer.Aws.Arn.LastSegment(Assert.Single(described.Services!).TaskDefinition!);
    }

    [Fact]
    public async Task Rollback_AfterTwoDeploysWithDifferentEnvironments_PutsTheServiceBackOnRevisionOne_AndADeployGoesForwardAgain()
    {
        var moto = await MotoServer.GetAsync();
        var first = WithGreeting(PlanSamples.Deployment(PlanSamples.UniqueApp()), "hello");
        var second = WithGreeting(first, "hi");
        var names = first.Services[0].Names;
        var image = Image(first);
        await DeployAsync(moto.Endpoint, first, image);
        await DeployAsync(moto.Endpoint, second, image);
        Assert.Equal($"{names.TaskFamily}:2", await RunningRevisionAsync(moto, names));

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        var log = new StringWriter();
        var rolled = await RollbackVerb.RunAsync(session, AppScope.From(second), Options, new PlainTextDeployProgress(log));

        Assert.Equal($"{names.TaskFamily}:1", await RunningRevisionAsync(moto, names));
        var service = Assert.Single(rolled);
        Assert.Equal(($"{names.TaskFamily}:2", $"{names.TaskFamily}:1"), (service.From, service.To));
        Assert.Equal(["environment GREETING hi → hello"], service.Changes.Select(c => c.ToString()));
        Assert.Contains("environment GREETING hi → hello", log.ToString());
        Assert.Equal(["UpdateService"], MutatingOperations(proxy));

        // The newer source deploys forward again: the plan shows it, and revision 2 (which matches) is reused.
        var forward = new StringWriter();
        await using var again = await FaultProxy.StartAsync(moto.Endpoint);
        var summary = await DeployAsync(again.Endpoint, second, image, forward);
        Assert.Contains("environment GREETING hello → hi", forward.ToString());
        Assert.EndsWith($"{names.TaskFamily}:2", summary.Services[0].TaskDefinitionArn);
        Assert.Equal($"{names.TaskFamily}:2", await RunningRevisionAsync(moto, names));
        Assert.Equal(["UpdateService"], MutatingOperations(again));
    }

    [Fact]
    public async Task Rollback_ToAChosenRevision_AndWhenThereIsNoEarlierOne_RefusesWithoutAnyChange()
    {
        var moto = await MotoServer.GetAsync();
        var first = WithGreeting(PlanSamples.Deployment(PlanSamples.UniqueApp()), "one");
        var names = first.Services[0].Names;
        await DeployAsync(moto.Endpoint, first, Image(first));
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        var scope = AppScope.From(first);

        var none = await Assert.ThrowsAsync<RollbackRefusedException>(() => RollbackVerb.RunAsync(session, scope, Options, new PlainTextDeployProgress(new StringWriter())));
        var missing = await Assert.ThrowsAsync<RollbackRefusedException>(() =>
            RollbackVerb.RunAsync(session, scope, Options with { ToRevision = 7 }, new PlainTextDeployProgress(new StringWriter())));

        Assert.Contains($"there is no revision of {names.TaskFamily} before 1", none.Message);
        Assert.Contains($"{names.TaskFamily}:7 is not an ACTIVE revision (ACTIVE: 1)", missing.Message);
        Assert.Empty(MutatingOperations(proxy));

        await DeployAsync(moto.Endpoint, WithGreeting(first, "two"), Image(first));
        await DeployAsync(moto.Endpoint, WithGreeting(first, "three"), Image(first));
        await RollbackVerb.RunAsync(session, scope, Options with { ToRevision = 1 }, new PlainTextDeployProgress(new StringWriter()));
        Assert.Equal($"{names.TaskFamily}:1", await RunningRevisionAsync(moto, names));
    }

    [Fact]
    public async Task Rollback_NothingDeployed_IsRefused()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();

        var error = await Assert.ThrowsAsync<RollbackRefusedException>(() =>
            RollbackVerb.RunAsync(session, new AppScope(PlanSamples.UniqueApp(), "test"), Options, new PlainTextDeployProgress(new StringWriter())));

        Assert.Contains("nothing to roll back", error.Message);
    }
}

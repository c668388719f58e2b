using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using static Aspire.Deployer.Tests.Verbs.ApplyTestKit;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>
/// Deploys through a proxy that makes moto behave as real AWS does where it differs (each behaviour cites its
/// source in <see cref="IAwsBehaviour"/>'s implementations), so these tests fail without the code that copes.
/// </summary>
public sealed class RealAwsBehaviourTests
{
    [Fact]
    public async Task Deploy_FreshAccountWithoutTheEcsServiceLinkedRole_CreatesItAndRidesOutTheRace()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var account = new FreshAccountServiceLinkedRole();
        proxy.Behaviours.Add(account);
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        var log = new StringWriter();

        var summary = await DeployAsync(proxy.Endpoint, deployment, Image(deployment), log);

        Assert.Equal("succeeded", summary.Result);
        var operations = Operations(proxy);
        var createRole = operations.IndexOf("CreateServiceLinkedRole");
        Assert.True(createRole >= 0 && createRole < operations.IndexOf("CreateCluster"), string.Join(", ", operations));
        // The one ECS call refused after the role was made was retried, on exactly that error.
        Assert.Equal(1, account.Refused);
        Assert.Contains("ECS cannot assume its service-linked role yet (InvalidParameterException); retrying", log.ToString());
        Assert.Contains("Creating service-linked role AWSServiceRoleForECS", log.ToString());
    }

    [Fact]
    public async Task Deploy_ServiceLinkedRoleMadeElsewhereMeanwhile_TakesHasBeenTakenAsThere()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        proxy.Behaviours.Add(new FreshAccountServiceLinkedRole(alreadyTaken: true));
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());

        var summary = await DeployAsync(proxy.Endpoint, deployment, Image(deployment));

        Assert.Equal("succeeded", summary.Result);
        Assert.Single(proxy.Captured, r => Operation(r) == "CreateServiceLinkedRole" && System.Text.Encoding.UTF8.GetString(r.Body).Contains("ecs.amazonaws.com", StringComparison.Ordinal));
    }
}

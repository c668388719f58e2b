using Aspire.Deployer.Settings;
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

    [Fact]
    public async Task Deploy_FailingAtCreateCluster_SummaryCountsAndListsWhatWasAlreadyChanged()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        proxy.Behaviours.Add(new Refuse("CreateCluster", "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecs:CreateCluster"));
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        var names = deployment.Services[0].Names;

        var failed = await Assert.ThrowsAsync<Aspire.Deployer.Verbs.DeployFailedException>(() => DeployAsync(proxy.Endpoint, deployment, Image(deployment)));

        // Everything before the cluster was made: the summary says how many changing calls, and which resources.
        var summary = failed.Summary;
        var madeBefore = MutatingOperations(proxy).Count(o => o != "CreateCluster");
        Assert.True(madeBefore >= 14, string.Join(", ", MutatingOperations(proxy)));
        Assert.Equal(madeBefore + 1, summary.MutatingCalls);
        Assert.Equal(
            [$"create ECR repository {names.Repository}", $"create log group {names.LogGroup}", $"create IAM role {names.ExecutionRole(MotoServer.Region)}",
             $"create IAM role {names.TaskRole(MotoServer.Region)}", $"create security group {names.LoadBalancerSecurityGroup}", $"create security group {names.ServiceSecurityGroup}",
             $"create load balancer {names.LoadBalancer}"],
            summary.Changed!.Take(7));
        Assert.Contains(summary.Changed!, c => c.StartsWith("create target group ", StringComparison.Ordinal));
        Assert.Contains(summary.Changed!, c => c.StartsWith("create listener ", StringComparison.Ordinal));
        Assert.DoesNotContain(summary.Changed!, c => c.Contains("ECS cluster", StringComparison.Ordinal));
        Assert.Contains(summary.ToLines(), l => l.StartsWith("  changed before the failure (9; they exist now, and a rerun continues from here)", StringComparison.Ordinal));
        Assert.Equal(summary.Changed, Aspire.Deployer.Verbs.DeploySummary.FromJson(summary.ToJson())!.Changed);

        // A rerun with the permission continues from there.
        var rerun = await DeployAsync(moto.Endpoint, deployment, Image(deployment));
        Assert.Equal("succeeded", rerun.Result);
        Assert.Equal(3, rerun.Changes["create"]);
    }

    [Theory]
    [InlineData("desired count")]
    [InlineData("grace period")]
    public async Task Redeploy_ChangingOnlyCountOrGrace_SendsNothingThatStartsADeployment(string what)
    {
        // taskDefinition, networkConfiguration and loadBalancers each start a new deployment (ECS API reference,
        // UpdateService); desiredCount and healthCheckGracePeriodSeconds do not. moto starts none either way, so the
        // request itself is checked.
        var moto = await MotoServer.GetAsync();
        await using var ecs = await FaultProxy.StartAsync(moto.Endpoint);
        var reports = new ReportsServiceSettings();
        ecs.Behaviours.Add(reports);
        var app = PlanSamples.UniqueApp();
        var deployment = PlanSamples.Deployment(app);
        await DeployAsync(ecs.Endpoint, deployment, Image(deployment));
        var changed = what == "desired count"
            ? PlanSamples.Deployment(app, o => o.DesiredCount = 3)
            : PlanSamples.Deployment(app, o => o.HealthCheckGracePeriodSeconds = 90);

        await using var proxy = await FaultProxy.StartAsync(ecs.Endpoint);
        await DeployAsync(proxy.Endpoint, changed, Image(deployment));

        Assert.Equal(["UpdateService"], MutatingOperations(proxy));
        using var body = System.Text.Json.JsonDocument.Parse(proxy.Captured.Single(r => Operation(r) == "UpdateService").Body);
        var sent = body.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.DoesNotContain("taskDefinition", sent);
        Assert.DoesNotContain("networkConfiguration", sent);
        Assert.DoesNotContain("loadBalancers", sent);
        Assert.Contains(what == "desired count" ? "desiredCount" : "healthCheckGracePeriodSeconds", sent);
    }

    [Fact]
    public async Task Deploy_RolesJustCreated_WaitsUntilIamShowsThemBeforeEcsGetsThem()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var iam = new IamEventualConsistency(hiddenFor: TimeSpan.FromSeconds(3), refusedFor: TimeSpan.FromSeconds(4.5));
        proxy.Behaviours.Add(iam);
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        var log = new StringWriter();
        var settings = MotoSettings with { Propagation = new PropagationOptions { IamSettle = TimeSpan.FromSeconds(2), IamPoll = TimeSpan.FromMilliseconds(100) } };

        var summary = await DeployAsync(proxy.Endpoint, deployment, Image(deployment), log, settings);

        Assert.Equal("succeeded", summary.Result);
        Assert.Equal(0, iam.Refused);
        Assert.Contains("waiting for IAM to show", log.ToString());
        // Polled until IAM showed the roles (GetRole answered NoSuchEntity first), once per role, before the revision.
        var operations = Operations(proxy);
        Assert.True(operations.Count(o => o == "GetRole") > 2, string.Join(", ", operations));
        Assert.True(operations.LastIndexOf("GetRole") < operations.IndexOf("RegisterTaskDefinition"), string.Join(", ", operations));

        // Nothing to wait for when the roles are as they were.
        var again = new StringWriter();
        await DeployAsync(proxy.Endpoint, deployment, Image(deployment, "v2"), again, settings);
        Assert.DoesNotContain("waiting for IAM", again.ToString());
    }
}

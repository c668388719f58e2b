using Aspire.Deployer.Engine;
using Aspire.Deployer.Resources;

namespace Aspire.Deployer.Tests.Resources;

/// <summary>
/// The desired state and plans of a whole model (<see cref="WholeModelSamples"/>): what each kind makes of services
/// with and without an external endpoint, a worker, an existing image, secrets and references; and what a changed
/// secret value rolls. Pure: no AWS.
/// </summary>
public sealed class WholeModelPlanTests
{
    private static DesiredState Desired() => PlanSamples.Build(WholeModelSamples.Deployment(), PlanSamples.Network, new(PlanSamples.Region));

    [Fact]
    public void OnlyTheServiceWithAnExternalEndpoint_GetsATargetGroupAListenerAndAPublicRule()
    {
        var desired = Desired();

        Assert.Equal("web", Assert.Single(desired.OfType<TargetGroupSpec>()).Owner);
        Assert.Equal(("web", 4000), Assert.Single(desired.OfType<ListenerSpec>()) is var l ? (l.Owner, l.Port) : default);
        var alb = desired.OfType<SecurityGroupSpec>().Single(g => g.Name == "shop-test-alb");
        Assert.Equal(["tcp 4000 from 0.0.0.0/0", "tcp 4000 from ::/0"], alb.Ingress.Select(r => r.ToString()));
        var services = desired.OfType<EcsServiceSpec>().ToDictionary(s => s.Owner!);
        Assert.NotNull(services["web"].TargetGroupName);
        Assert.All(["api", "cache", "worker"], s => Assert.Null(services[s].TargetGroupName));
    }

    [Fact]
    public void EachServicesSecurityGroup_AdmitsItsCallersOnItsPortsAndNothingMore()
    {
        var groups = Desired().OfType<SecurityGroupSpec>().ToDictionary(g => g.Name, g => g.Ingress.Select(r => r.ToString()).ToList());

        Assert.Equal(["tcp 4000 from security group shop-test-alb"], groups["shop-test-web-service"]);
        Assert.Equal(["tcp 8080 from security group shop-test-web-service"], groups["shop-test-api-service"]);
        Assert.Equal(["tcp 6379 from security group shop-test-api-service"], groups["shop-test-cache-service"]);
        Assert.Empty(groups["shop-test-worker-service"]);
    }

    [Fact]
    public void ServiceConnect_PublishesTheCalledServicesUnderTheirNames_CallersAreClients_TheWorkerTakesNoPart()
    {
        var desired = Desired();
        var services = desired.OfType<EcsServiceSpec>().ToDictionary(s => s.Owner!, s => s.ServiceConnect?.ToString());

        Assert.Equal("in shop-test (client only)", services["web"]);
        Assert.Equal("in shop-test, publishes api:8080 (http as api)", services["api"]);
        Assert.Equal("in shop-test, publishes cache:6379 (tcp as cache)", services["cache"]);
        Assert.Null(services["worker"]);
        Assert.Equal("shop-test", Assert.Single(desired.OfType<CloudMapNamespaceSpec>()).Name);
    }

    [Fact]
    public void TaskDefinitions_ReadSecretsFromSecretsManager_AndRunTheExistingImageAsItIs()
    {
        var containers = Desired().OfType<TaskDefinitionSpec>().ToDictionary(t => t.Owner!, t => t.Container);

        Assert.Equal(new Dictionary<string, string>
        {
            ["API_KEY"] = "shop/test/parameters/api-key",
            ["ConnectionStrings__cache"] = "shop/test/variables/api/ConnectionStrings__cache",
        }, containers["api"].Secrets);
        Assert.DoesNotContain(containers.Values.SelectMany(c => c.Environment.Values), v => v.Contains(WholeModelSamples.ApiKey, StringComparison.Ordinal));
        Assert.Equal([new PortMappingSpec("http", 8080, "http")], containers["api"].Ports);
        var cache = containers["cache"];
        Assert.Equal(("docker.io/library/redis:8.6", false), (cache.Image, cache.ReadonlyRootFilesystem));
        Assert.Equal(["/bin/sh"], cache.EntryPoint);
        Assert.Equal([new PortMappingSpec("tcp", 6379, null)], cache.Ports);
        Assert.Empty(containers["worker"].Ports);
        Assert.True(containers["worker"].ReadonlyRootFilesystem);
    }

    [Fact]
    public void ExecutionRoles_MayReadExactlyTheSecretsOfTheirTasks_TaskRolesNone()
    {
        var roles = Desired().OfType<IamRoleSpec>().ToDictionary(r => r.Name, r => r.ReadableSecrets);

        Assert.Equal(["shop/test/parameters/api-key", "shop/test/variables/api/ConnectionStrings__cache"], roles["shop-test-api-us-east-1-execution"]);
        Assert.Equal(["shop/test/parameters/cache-password"], roles["shop-test-cache-us-east-1-execution"]);
        Assert.Empty(roles["shop-test-web-us-east-1-execution"]);
        Assert.All(roles.Where(r => r.Key.EndsWith("-task", StringComparison.Ordinal)), r => Assert.Empty(r.Value));
    }

    [Fact]
    public void Secrets_AreComparedByAHashThatIsNotTheValue_AndNeverPrintIt()
    {
        var desired = Desired();
        var secrets = desired.OfType<SecretSpec>().ToList();
        var lines = new DeploymentPlan("shop", "test", PlanSamples.Region, null, PlanSamples.Network, Planner.Compute(desired, CurrentState.Empty)).ToLines();

        Assert.Equal(3, secrets.Count);
        Assert.All(secrets, s => Assert.Matches("^[0-9a-f]{64}$", s.ValueHash));
        Assert.Equal(3, secrets.Select(s => s.ValueHash).Distinct().Count());
        Assert.All(secrets, s => Assert.DoesNotContain(WholeModelSamples.RedisPassword, s.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(WholeModelSamples.ApiKey, StringComparison.Ordinal) || l.Contains(WholeModelSamples.RedisPassword, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => secrets.Any(s => l.Contains(s.ValueHash!, StringComparison.Ordinal)));
    }

    [Fact]
    public void ChangedSecretValue_StoresANewVersionAndRollsExactlyTheServicesThatReadIt()
    {
        var before = Desired();
        var after = PlanSamples.Build(WholeModelSamples.Deployment(apiKey: "a-new-api-key"), PlanSamples.Network, new(PlanSamples.Region));

        var changes = Planner.Compute(after, new CurrentState(PlanSamples.Matching(before)));

        var changed = changes.Where(c => c.IsMutation).ToList();
        Assert.Equal([(Kind.Secret, "shop/test/parameters/api-key"), (Kind.EcsService, "shop-test-api")], changed.Select(c => (c.Kind, c.Name)));
        Assert.Equal("value stored version → new version", Assert.Single(changed[0].Changes).ToString());
        Assert.Equal("secret shop/test/parameters/api-key current version → new version", Assert.Single(changed[1].Changes).ToString());
    }

    [Fact]
    public void SecretScheduledForDeletion_IsRestoredAndRollsItsReaders_ATagOnlyChangeRollsNothing()
    {
        var desired = Desired();
        var restored = Planner.Compute(desired, new CurrentState(PlanSamples.Matching(desired)
            .With<SecretSpec>(s => s with { ScheduledForDeletion = true }, "shop/test/parameters/cache-password")));
        var retagged = Planner.Compute(desired, new CurrentState(PlanSamples.Matching(desired)
            .With<SecretSpec>(s => s with { Tags = new Dictionary<string, string>() }, "shop/test/parameters/cache-password")));

        Assert.Equal([(Kind.Secret, "shop/test/parameters/cache-password"), (Kind.EcsService, "shop-test-cache")],
            restored.Where(c => c.IsMutation).Select(c => (c.Kind, c.Name)));
        Assert.Equal([Kind.Secret], retagged.Where(c => c.IsMutation).Select(c => c.Kind));
    }
}

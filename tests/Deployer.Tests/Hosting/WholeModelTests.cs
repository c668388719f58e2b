using System.Text.Json;
using Aspire.Deployer.Tests.Aws;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Tests.Verbs;
using Aspire.Deployer.Verbs;
using Xunit.Abstractions;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>
/// The acceptance of whole models: the test AppHost (a public node-app front end calling an internal API, a plain and
/// a secret parameter, Redis) deployed, redeployed, deployed with a changed secret and destroyed with the commands a
/// user types (<see cref="WholeModelRun"/>, once for the class), and refused without a parameter value. Heavy
/// processes (image builds), so they run alone.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class WholeModelTests(WholeModelRun run, ITestOutputHelper output) : IClassFixture<WholeModelRun>, IDisposable
{
    private static readonly string[] Services = ["web", "api", "cache"];

    public void Dispose() => output.WriteLine(run.Log);

    [Fact]
    public void Deploy_OneCommand_DeploysEveryService_AndListsWhatItDoesNotDeployWithTheReason()
    {
        var lines = run.Runs["deploy"].Result.Lines;

        Assert.Contains(lines, l => l.Contains("Deploy succeeded", StringComparison.Ordinal));
        var summary = DeploySummary.FromJson(File.ReadAllText(run.SummaryFile))!;
        Assert.Equal(Services.Order(), summary.Services.Select(s => s.Resource).Order());
        Assert.Contains(lines, l => l.StartsWith("  aws: the AWS ECS environment itself", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  greeting: a parameter: its value is the plain environment value of GREETING of api, GREETING of web", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"  api-key: a secret parameter: its value is stored in Secrets Manager ({run.App}/test/parameters/api-key)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Warning: cache runs the image docker.io/library/redis:8.6", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("cache: runs the existing image docker.io/library/redis:8.6 as it is; nothing to build or push.", StringComparison.Ordinal));
    }

    [Fact]
    public void SecretValue_IsInExactlyTheOneRequestThatStoresIt_AndInNoOutputSummaryPlanOrTaskDefinition()
    {
        Assert.Equal(["CreateSecret"], run.BodiesWith(run.ApiKeys.First));
        Assert.Equal(["PutSecretValue"], run.BodiesWith(run.ApiKeys.Second));
        foreach (var key in new[] { run.ApiKeys.First, run.ApiKeys.Second })
        {
            Assert.DoesNotContain(run.Runs.Values.SelectMany(r => r.Result.Lines), l => l.Contains(key, StringComparison.Ordinal));
            Assert.DoesNotContain(key, File.ReadAllText(run.SummaryFile), StringComparison.Ordinal);
            Assert.DoesNotContain(key, File.ReadAllText(run.PlanFile), StringComparison.Ordinal);
            Assert.DoesNotContain(key, JsonSerializer.Serialize(run.State.TaskDefinitions), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TaskDefinitions_CarryTheirSecretsFromSecretsManager_AndTheirPlainEnvironment()
    {
        var (api, web, cache) = (Container("api"), Container("web"), Container("cache"));
        var arns = run.State.SecretArns;

        Assert.Equal(new Dictionary<string, string>
        {
            ["API_KEY"] = arns[$"{run.App}/test/parameters/api-key"],
            ["CACHE_PASSWORD"] = arns[$"{run.App}/test/parameters/cache-password"],
            ["CACHE_URI"] = arns[$"{run.App}/test/variables/api/CACHE_URI"],
            ["ConnectionStrings__cache"] = arns[$"{run.App}/test/variables/api/ConnectionStrings__cache"],
        }, api.Secrets!.ToDictionary(s => s.Name, s => s.ValueFrom));
        Assert.Equal(
            [("CACHE_HOST", "cache"), ("CACHE_PORT", "6379"), ("GREETING", WholeModelRun.Greeting), ("PORT", "8080")],
            api.Environment!.Select(e => (e.Name!, e.Value!)).Order());
        Assert.Null(web.Secrets);
        Assert.Contains(web.Environment!, e => e is { Name: "GREETING", Value: WholeModelRun.Greeting });
        Assert.Equal(("docker.io/library/redis:8.6", "REDIS_PASSWORD"), (cache.Image, Assert.Single(cache.Secrets!).Name));
        Assert.Equal(["/bin/sh"], cache.EntryPoint);
        Assert.Equal(["-c", "redis-server --requirepass $REDIS_PASSWORD"], cache.Command);
        Assert.Empty(cache.Environment ?? []);
        // The execution roles may read exactly their tasks' secrets.
        Assert.Equal(api.Secrets!.Select(s => s.ValueFrom).Order(), run.State.ReadableSecrets["api"].Order());
        Assert.Equal([arns[$"{run.App}/test/parameters/cache-password"]], run.State.ReadableSecrets["cache"]);
        Assert.Empty(run.State.ReadableSecrets["web"]);
    }

    [Fact]
    public void Api_HasNoListenerRuleOrPublicRule_AndTheFrontEndReachesItByTheVariableAspireInjects()
    {
        var listener = Assert.Single(run.State.Listeners);
        Assert.Equal(4000, listener.Port);
        Assert.All(run.State.TargetGroups, name => Assert.StartsWith($"{run.App}-test-web", name));
        var groups = run.State.SecurityGroups;
        var apiRule = Assert.Single(groups[$"{run.App}-test-api-service"].IngressRules);
        Assert.Equal((8080, groups[$"{run.App}-test-web-service"].GroupId, null, null), (apiRule.FromPort, apiRule.SourceSecurityGroupId, apiRule.CidrIpv4, apiRule.CidrIpv6));
        var cacheRule = Assert.Single(groups[$"{run.App}-test-cache-service"].IngressRules);
        Assert.Equal((6379, groups[$"{run.App}-test-api-service"].GroupId), (cacheRule.FromPort, cacheRule.SourceSecurityGroupId));
        Assert.Equal(0, run.CreateService("api").GetProperty("loadBalancers").GetArrayLength());

        // moto drops Service Connect from CreateService: judged from the request.
        var address = new Uri(Container("web").Environment!.Single(e => e.Name == "services__api__http__0").Value!);
        Assert.Equal(new Uri("http://api:8080"), address);
        Assert.Equal(address.ToString(), new Uri(Container("web").Environment!.Single(e => e.Name == "API_HTTP").Value!).ToString());
        var connect = run.CreateService("api").GetProperty("serviceConnectConfiguration");
        Assert.True(connect.GetProperty("enabled").GetBoolean());
        Assert.Equal(run.State.Namespaces.Single().Arn, connect.GetProperty("namespace").GetString());
        var alias = connect.GetProperty("services")[0].GetProperty("clientAliases")[0];
        Assert.Equal((address.Host, address.Port), (alias.GetProperty("dnsName").GetString(), alias.GetProperty("port").GetInt32()));
        Assert.True(run.CreateService("web").GetProperty("serviceConnectConfiguration").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public void Redeploy_MakesNoChangingCall()
    {
        var (result, requests) = run.Runs["redeploy"];

        Assert.Contains(result.Lines, l => l.Contains("No changes.", StringComparison.Ordinal));
        Assert.DoesNotContain(requests.Select(ApplyTestKit.Operation), ApplyTestKit.IsMutating);
    }

    [Fact]
    public void ChangedSecret_StoresANewVersionAndRollsExactlyTheServiceThatReadsIt()
    {
        var changing = run.Runs["rotate"].Requests.Where(r => ApplyTestKit.IsMutating(ApplyTestKit.Operation(r))).ToList();

        Assert.Equal(["PutSecretValue", "TagResource", "UpdateService"], changing.Select(ApplyTestKit.Operation));
        using var update = JsonDocument.Parse(changing[2].Body);
        Assert.Equal(($"{run.App}-test-api", true), (update.RootElement.GetProperty("service").GetString(), update.RootElement.GetProperty("forceNewDeployment").GetBoolean()));
    }

    [Fact]
    public void Destroy_LeavesNothing_SecretsAndNamespaceIncluded()
    {
        Assert.True(run.AfterDestroy.IsEmpty, string.Join(", ", run.AfterDestroy.Resources));
        Assert.Empty(run.NamespacesAfterDestroy);
        Assert.Equal(4, run.SecretsAfterDestroy.Count);
        Assert.All(run.SecretsAfterDestroy, code => Assert.Equal("ResourceNotFoundException", code));
    }

    [Fact]
    public async Task MissingParameterWithoutATerminal_IsRefusedNamingItAndWhereToSetIt_BeforeAnyAwsCall()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var environment = CommandLine.AwsEnvironment(proxy.Endpoint);
        environment["Parameters__greeting"] = WholeModelRun.Greeting;

        var result = await CommandLine.PublishStepAsync(WholeModelRun.Project, "deploy", ["--Aws:AppName", PlanSamples.UniqueApp(), "--Aws:Environment", "test"],
            environment, TimeSpan.FromMinutes(3), output);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, result.LinesWith("Deploy failed: the deployment is not valid; nothing was changed."));
        Assert.Equal(1, result.LinesWith("Parameter 'api-key' (used as API_KEY of api) has no value. Set it as Parameters:api-key"));
        Assert.Equal(1, result.LinesWith("as the environment variable Parameters__api-key"));
        Assert.Empty(proxy.Captured);
    }

    private Aspire.Deployer.Aws.Ecs.ContainerDefinition Container(string resource) => Assert.Single(run.State.TaskDefinitions[resource].ContainerDefinitions!);
}

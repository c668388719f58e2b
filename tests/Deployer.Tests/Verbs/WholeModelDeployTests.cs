using System.Text;
using System.Text.Json;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Verbs;
using Iam = Aspire.Deployer.Aws.Iam;
using Sd = Aspire.Deployer.Aws.ServiceDiscovery;
using Sm = Aspire.Deployer.Aws.SecretsManager;
using static Aspire.Deployer.Tests.Verbs.ApplyTestKit;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>
/// A whole model (<see cref="WholeModelSamples"/>: a public web that calls an internal api, which reads a secret and
/// calls a Redis container; a worker) deployed to moto through a recording proxy: what the requests carry where moto
/// drops it (Service Connect), where secret values go, what a changed value rolls, what destroy leaves.
/// </summary>
public sealed class WholeModelDeployTests
{
    [Fact]
    public async Task Deploy_Redeploy_ChangedSecret_StoresItOnceAndRollsOnlyTheServiceThatReadsIt()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var app = PlanSamples.UniqueApp();
        var first = WholeModelSamples.Deployment(app, apiKey: "first-key-" + app);

        var summary = await DeployAsync(proxy, first);

        Assert.Equal("succeeded", summary.Result);
        Assert.Single(BodiesWith(proxy, "first-key-" + app), op => op == "CreateSecret");
        var requests = CreateServiceRequests(proxy);
        using var aws = await moto.SessionAsync();
        var namespaceArn = (await aws.ServiceDiscovery.ListNamespacesItemsAsync(new Sd.ListNamespacesRequest()).FirstAsync(n => n.Name == $"{app}-test")).Arn;
        var api = requests[$"{app}-test-api"].GetProperty("serviceConnectConfiguration");
        Assert.Equal(namespaceArn, api.GetProperty("namespace").GetString());
        var published = Assert.Single(api.GetProperty("services").EnumerateArray());
        Assert.Equal(("http", "api", "api", 8080), (published.GetProperty("portName").GetString(), published.GetProperty("discoveryName").GetString(),
            published.GetProperty("clientAliases")[0].GetProperty("dnsName").GetString(), published.GetProperty("clientAliases")[0].GetProperty("port").GetInt32()));
        Assert.False(requests[$"{app}-test-web"].GetProperty("serviceConnectConfiguration").TryGetProperty("services", out _));
        Assert.False(requests[$"{app}-test-worker"].TryGetProperty("serviceConnectConfiguration", out _));
        Assert.Equal(0, requests[$"{app}-test-api"].GetProperty("loadBalancers").GetArrayLength());
        Assert.Equal("http://api:8080", summary.Services.Single(s => s.Resource == "api").InternalUrl);

        // The execution role may read exactly its task's secrets, by their full ARNs.
        var policy = await aws.Iam.GetRolePolicyAsync(new Iam.GetRolePolicyRequest { RoleName = $"{app}-test-api-us-east-1-execution", PolicyName = IamRoleKind.SecretsPolicyName });
        var arns = new List<string>();
        foreach (var name in new[] { AwsNames.ParameterSecret(app, "test", "api-key"), AwsNames.VariableSecret(app, "test", "api", "ConnectionStrings__cache") })
        {
            arns.Add((await aws.SecretsManager.DescribeSecretAsync(new Sm.DescribeSecretRequest { SecretId = name })).ARN!);
        }

        Assert.Equal(arns.Order(), IamRoleKind.PolicyResources(policy.PolicyDocument).Order());

        var again = proxy.Captured.Count;
        Assert.Equal(0, (await DeployAsync(proxy, first)).MutatingCalls);
        Assert.DoesNotContain(proxy.Captured.Skip(again).Select(Operation), IsMutating);

        var rotate = proxy.Captured.Count;
        await DeployAsync(proxy, WholeModelSamples.Deployment(app, apiKey: "second-key-" + app));
        var rotation = proxy.Captured.Skip(rotate).Where(r => IsMutating(Operation(r))).ToList();
        Assert.Equal(["PutSecretValue", "TagResource", "UpdateService"], rotation.Select(Operation));
        using var update = JsonDocument.Parse(rotation[2].Body);
        Assert.Equal(($"{app}-test-api", true), (update.RootElement.GetProperty("service").GetString(), update.RootElement.GetProperty("forceNewDeployment").GetBoolean()));
        Assert.Single(BodiesWith(proxy, "second-key-" + app), op => op == "PutSecretValue");
    }

    [Fact]
    public async Task GeneratedPassword_IsKeptFromTheFirstDeploy_SoAnotherRunChangesNothing()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var app = PlanSamples.UniqueApp();
        await DeployAsync(proxy, WholeModelSamples.Deployment(app, redisPassword: "generated-in-run-1"));

        var second = proxy.Captured.Count;
        var summary = await DeployAsync(proxy, WholeModelSamples.Deployment(app, redisPassword: "generated-in-run-2"));

        Assert.Equal(0, summary.MutatingCalls);
        Assert.Empty(BodiesWith(proxy, "generated-in-run-2"));
        Assert.Contains("GetSecretValue", proxy.Captured.Skip(second).Select(Operation));
        using var aws = await moto.SessionAsync();
        var stored = await aws.SecretsManager.GetSecretValueAsync(new Sm.GetSecretValueRequest { SecretId = AwsNames.ParameterSecret(app, "test", "cache-password") });
        Assert.Equal("generated-in-run-1", stored.SecretString);
    }

    [Fact]
    public async Task Destroy_SchedulesTheSecretsForDeletion_AndTheNextDeployRestoresThem()
    {
        var moto = await MotoServer.GetAsync();
        var app = PlanSamples.UniqueApp();
        var deployment = WholeModelSamples.Deployment(app);
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        await DeployAsync(proxy, deployment);
        using var aws = await moto.SessionAsync();

        await DestroyVerb.RunAsync(aws, AppScope.From(deployment), new PlainTextDeployProgress(new StringWriter()), DestroySamples.Fast);

        Assert.True((await Destroyer.FindAsync(aws, Registry.Kinds, AppScope.From(deployment))).IsEmpty);
        foreach (var secret in deployment.Secrets)
        {
            Assert.NotNull((await aws.SecretsManager.DescribeSecretAsync(new Sm.DescribeSecretRequest { SecretId = secret.Name })).DeletedDate);
        }

        var redeploy = proxy.Captured.Count;
        Assert.Equal("succeeded", (await DeployAsync(proxy, deployment)).Result);
        Assert.Equal(3, proxy.Captured.Skip(redeploy).Count(r => Operation(r) == "RestoreSecret"));
        foreach (var secret in deployment.Secrets)
        {
            Assert.Null((await aws.SecretsManager.DescribeSecretAsync(new Sm.DescribeSecretRequest { SecretId = secret.Name })).DeletedDate);
        }

        await DestroyVerb.RunAsync(aws, AppScope.From(deployment), new PlainTextDeployProgress(new StringWriter()), DestroySamples.Fast with { DeleteSecretsWithoutRecovery = true });
    }

    [Fact]
    public async Task Destroy_WithoutRecovery_LeavesNothing_TheNamespaceGoesAfterTheCloudMapServicesEcsMadeInIt()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var inUse = new CloudMapNamespaceInUse();
        proxy.Behaviours.Add(inUse);
        var app = PlanSamples.UniqueApp();
        var deployment = WholeModelSamples.Deployment(app);
        await DeployAsync(proxy, deployment);
        using var aws = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        // What ECS makes in the namespace for a Service Connect service (moto makes none).
        var ns = await aws.ServiceDiscovery.ListNamespacesItemsAsync(new Sd.ListNamespacesRequest()).FirstAsync(n => n.Name == $"{app}-test");
        await CreateCloudMapServiceAsync(proxy, ns.Id!, "api");

        var log = new StringWriter();
        var result = await DestroyVerb.RunAsync(aws, AppScope.From(deployment), new PlainTextDeployProgress(log), DestroySamples.Fast with { DeleteSecretsWithoutRecovery = true });

        Assert.Equal(0, inUse.Refused);
        Assert.Contains(result.Removed, r => r.Kind == Kind.Namespace);
        Assert.Contains($"removed Cloud Map service api of namespace {app}-test", log.ToString());
        Assert.True((await Destroyer.FindAsync(aws, Registry.Kinds, AppScope.From(deployment))).IsEmpty);
        Assert.DoesNotContain(await aws.ServiceDiscovery.ListNamespacesItemsAsync(new Sd.ListNamespacesRequest()).ToListAsync(), n => n.Name == $"{app}-test");
        foreach (var secret in deployment.Secrets)
        {
            var gone = await Assert.ThrowsAsync<Aspire.Deployer.Aws.AwsApiException>(() => aws.SecretsManager.DescribeSecretAsync(new Sm.DescribeSecretRequest { SecretId = secret.Name }));
            Assert.Equal("ResourceNotFoundException", gone.ErrorCode);
        }
    }

    private static async Task<DeploySummary> DeployAsync(FaultProxy proxy, DeploymentDescription deployment)
    {
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        return await DeployVerb.RunAsync(session, deployment, WholeModelSamples.Images(deployment), MotoSettings, new PlainTextDeployProgress(new StringWriter()))
            .WaitAsync(TimeSpan.FromSeconds(90));
    }

    // Cloud Map's CreateService, as ECS calls it for a Service Connect service (the Deployer itself never does; moto checks no signature).
    private static async Task CreateCloudMapServiceAsync(FaultProxy proxy, string namespaceId, string name)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, proxy.Endpoint)
        {
            Content = new StringContent(JsonSerializer.Serialize(new { Name = name, NamespaceId = namespaceId }), Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        request.Headers.Add("X-Amz-Target", "Route53AutoNaming_v20170314.CreateService");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/servicediscovery/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    // The operations whose request bodies contain the text.
    private static List<string> BodiesWith(FaultProxy proxy, string text) =>
        [.. proxy.Captured.Where(r => Encoding.UTF8.GetString(r.Body).Contains(text, StringComparison.Ordinal)).Select(Operation)];

    private static Dictionary<string, JsonElement> CreateServiceRequests(FaultProxy proxy) =>
        proxy.Captured.Where(r => Operation(r) == "CreateService" && r.Headers["X-Amz-Target"].StartsWith("AmazonEC2ContainerService", StringComparison.Ordinal))
            .Select(r => JsonDocument.Parse(r.Body).RootElement)
            .ToDictionary(e => e.GetProperty("serviceName").GetString()!);
}

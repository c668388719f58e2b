using System.Text;
using System.Text.Json;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Tests.Images.Infrastructure;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Tests.Verbs;
using Xunit.Abstractions;
using Ec2 = Aspire.Deployer.Aws.Ec2;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Iam = Aspire.Deployer.Aws.Iam;
using Sd = Aspire.Deployer.Aws.ServiceDiscovery;
using Sm = Aspire.Deployer.Aws.SecretsManager;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>What AWS held after the first deploy of the whole model.</summary>
/// <param name="TaskDefinitions">Each service's task definition, by resource.</param>
/// <param name="SecretArns">The app's secrets' ARNs, by name.</param>
/// <param name="ReadableSecrets">What each execution role's inline policy lets it read (ARNs), by resource.</param>
/// <param name="Listeners">The load balancer's listeners.</param>
/// <param name="TargetGroups">The names of the app's target groups.</param>
/// <param name="SecurityGroups">The app's security groups, by name.</param>
/// <param name="Namespaces">The app's Cloud Map namespaces.</param>
public sealed record WholeModelState(
    IReadOnlyDictionary<string, Ecs.TaskDefinition> TaskDefinitions,
    IReadOnlyDictionary<string, string> SecretArns,
    IReadOnlyDictionary<string, IReadOnlyList<string>> ReadableSecrets,
    IReadOnlyList<Elb.Listener> Listeners,
    IReadOnlyList<string> TargetGroups,
    IReadOnlyDictionary<string, Ec2.Ec2SecurityGroup> SecurityGroups,
    IReadOnlyList<Sd.NamespaceSummary> Namespaces);

/// <summary>
/// The test AppHost (<c>tests/apphosts/WholeModelAppHost</c>) run as a user runs it, once per test class: plan, deploy
/// in one command (<c>--step deploy</c>: images built, smoke-tested and pushed to a local registry, then moto through
/// a recording proxy), deploy again unchanged, deploy with a changed secret value, destroy. Each run's output, the
/// requests it made and the state AWS held after the first deploy are kept for the tests to judge.
/// </summary>
public sealed class WholeModelRun : IAsyncLifetime
{
    /// <summary>The test AppHost's project folder, from the repository root.</summary>
    public const string Project = "tests/apphosts/WholeModelAppHost";

    /// <summary>The plain parameter's value.</summary>
    public const string Greeting = "hello-from-the-whole-model";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);
    private readonly StringBuilder _log = new();
    private LocalRegistry? _registry;
    private FaultProxy? _proxy;

    /// <summary>The app name (unique to the run).</summary>
    public string App { get; } = PlanSamples.UniqueApp();

    /// <summary>The secret parameter's value in the first deploys, then in the last.</summary>
    public (string First, string Second) ApiKeys { get; } = ($"first-{Guid.NewGuid():N}", $"second-{Guid.NewGuid():N}");

    /// <summary>The runs, in order: plan, deploy, redeploy, deploy with the changed secret, destroy.</summary>
    public Dictionary<string, (CommandResult Result, IReadOnlyList<CapturedRequest> Requests)> Runs { get; } = [];

    /// <summary>What AWS held after the first deploy.</summary>
    public WholeModelState State { get; private set; } = null!;

    /// <summary>The summary file the deploys write.</summary>
    public string SummaryFile { get; } = Path.Combine(Path.GetTempPath(), $"whole-model-{Guid.NewGuid():N}.json");

    /// <summary>The plan file the plan step writes.</summary>
    public string PlanFile { get; } = Path.Combine(Path.GetTempPath(), $"whole-model-plan-{Guid.NewGuid():N}.json");

    /// <summary>Everything every run printed (for a failing test's output).</summary>
    public string Log => _log.ToString();

    /// <summary>What was left of the app after the destroy.</summary>
    public AppInventory AfterDestroy { get; private set; } = null!;

    /// <summary>The app's namespaces after the destroy.</summary>
    public IReadOnlyList<string> NamespacesAfterDestroy { get; private set; } = [];

    /// <summary>The error codes DescribeSecret gave for each of the app's secrets after the destroy.</summary>
    public IReadOnlyList<string> SecretsAfterDestroy { get; private set; } = [];

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await TestEnvironment.EnsureDockerAsync();
        _registry = await LocalRegistry.StartAsync();
        var moto = await MotoServer.GetAsync();
        _proxy = await FaultProxy.StartAsync(moto.Endpoint);
        await RunAsync("plan", "aws-plan", ApiKeys.First, $"--Aws:PlanFile={PlanFile}");
        await RunAsync("deploy", "deploy", ApiKeys.First);
        using (var aws = await moto.SessionAsync())
        {
            State = await ReadStateAsync(aws);
        }

        await RunAsync("redeploy", "deploy", ApiKeys.First);
        await RunAsync("rotate", "deploy", ApiKeys.Second);
        await RunAsync("destroy", "aws-destroy", ApiKeys.Second, "--Aws:DeleteSecretsWithoutRecovery=true");
        using (var aws = await moto.SessionAsync())
        {
            await ReadWhatIsLeftAsync(aws);
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        TestEnvironment.RemoveImagesOf(App, "test");
        File.Delete(SummaryFile);
        File.Delete(PlanFile);
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }

    /// <summary>The operations of a run's requests whose bodies contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> BodiesWith(string text) =>
        [.. Runs.Values.SelectMany(r => r.Requests).Where(r => Encoding.UTF8.GetString(r.Body).Contains(text, StringComparison.Ordinal)).Select(ApplyTestKit.Operation)];

    /// <summary>The JSON body of the ECS CreateService request of a service.</summary>
    public JsonElement CreateService(string resource) =>
        Runs["deploy"].Requests
            .Where(r => ApplyTestKit.Operation(r) == "CreateService" && r.Headers["X-Amz-Target"].StartsWith("AmazonEC2ContainerService", StringComparison.Ordinal))
            .Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Single(e => e.GetProperty("serviceName").GetString() == $"{App}-test-{resource}");

    private async Task RunAsync(string name, string step, string apiKey, params string[] extra)
    {
        var environment = CommandLine.AwsEnvironment(_proxy!.Endpoint);
        environment["Parameters__greeting"] = Greeting;
        environment["Parameters__api-key"] = apiKey;
        var before = _proxy.Captured.Count;
        var result = await CommandLine.PublishStepAsync(Project, step,
            ["--Aws:AppName", App, "--Aws:Environment", "test", $"--Aws:Registry={_registry!.Address}", "--Aws:WaitForHealthyTargets=false",
             "--Aws:IamSettleSeconds=0", "--Aws:DeployPollSeconds=0.2", $"--Aws:SummaryFile={SummaryFile}", .. extra],
            environment, Timeout, new Output(_log));
        Runs[name] = (result, [.. _proxy.Captured.Skip(before)]);
        Assert.True(result.ExitCode == 0, $"{name} ({step}) exited {result.ExitCode}:\n{string.Join('\n', result.Lines)}");
    }

    private async Task<WholeModelState> ReadStateAsync(AwsSession aws)
    {
        var definitions = new Dictionary<string, Ecs.TaskDefinition>();
        var readable = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var resource in new[] { "web", "api", "cache" })
        {
            definitions[resource] = (await aws.Ecs.DescribeTaskDefinitionAsync(new Ecs.DescribeTaskDefinitionRequest { TaskDefinition = $"{App}-test-{resource}" })).TaskDefinition!;
            readable[resource] = await ReadableAsync(aws, $"{App}-test-{resource}-us-east-1-execution");
        }

        var secrets = await aws.SecretsManager.ListSecretsItemsAsync(new Sm.ListSecretsRequest()).Where(s => s.Name!.StartsWith($"{App}/test/", StringComparison.Ordinal))
            .ToDictionaryAsync(s => s.Name!, s => s.ARN!);
        var lb = (await aws.ElbV2.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { Names = [$"{App}-test"] })).LoadBalancers!.Single();
        var listeners = await aws.ElbV2.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lb.LoadBalancerArn! }).ToListAsync();
        var groups = await aws.ElbV2.DescribeTargetGroupsItemsAsync(new Elb.DescribeTargetGroupsRequest()).Select(g => g.TargetGroupName!)
            .Where(n => n.StartsWith($"{App}-test-", StringComparison.Ordinal)).ToListAsync();
        var securityGroups = (await aws.Ec2.DescribeSecurityGroupsByTagsAsync(null, AwsNames.SharedTagsOf(App, "test"))).ToDictionary(g => g.GroupName);
        var namespaces = await aws.ServiceDiscovery.ListNamespacesItemsAsync(new Sd.ListNamespacesRequest()).Where(n => n.Name == $"{App}-test").ToListAsync();
        return new WholeModelState(definitions, secrets, readable, listeners, groups, securityGroups, namespaces);
    }

    private static async Task<IReadOnlyList<string>> ReadableAsync(AwsSession aws, string role)
    {
        try
        {
            var policy = await aws.Iam.GetRolePolicyAsync(new Iam.GetRolePolicyRequest { RoleName = role, PolicyName = IamRoleKind.SecretsPolicyName });
            return IamRoleKind.PolicyResources(policy.PolicyDocument);
        }
        catch (AwsApiException e) when (e.ErrorCode == "NoSuchEntity")
        {
            return [];
        }
    }

    private async Task ReadWhatIsLeftAsync(AwsSession aws)
    {
        AfterDestroy = await Destroyer.FindAsync(aws, Registry.Kinds, new AppScope(App, "test"));
        NamespacesAfterDestroy = await aws.ServiceDiscovery.ListNamespacesItemsAsync(new Sd.ListNamespacesRequest()).Select(n => n.Name!)
            .Where(n => n == $"{App}-test").ToListAsync();
        var codes = new List<string>();
        foreach (var secret in State.SecretArns.Keys)
        {
            try
            {
                await aws.SecretsManager.DescribeSecretAsync(new Sm.DescribeSecretRequest { SecretId = secret });
                codes.Add("still there");
            }
            catch (AwsApiException e)
            {
                codes.Add(e.ErrorCode);
            }
        }

        SecretsAfterDestroy = codes;
    }

    // Collects what the runs print; the tests show it when they fail.
    private sealed class Output(StringBuilder log) : ITestOutputHelper
    {
        public void WriteLine(string message)
        {
            lock (log)
            {
                log.AppendLine(message);
            }
        }

        public void WriteLine(string format, params object[] args) => WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}

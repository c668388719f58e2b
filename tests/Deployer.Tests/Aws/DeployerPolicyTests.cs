using System.Reflection;
using System.Text.RegularExpressions;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Tests.Images.Infrastructure;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Verbs;
using Aspire.Deployer.Verbs;

namespace Aspire.Deployer.Tests.Aws;

/// <summary>
/// Deployer/iam/deployer-policy.json, the policy README tells a user to give the identity that deploys: every call a
/// deploy, a no-op redeploy, status and destroy make (recorded through a proxy in front of moto) is allowed by it,
/// resources and conditions included; every AWS operation the Deployer's code calls is named in it; and it holds no
/// wildcard action, passes the app's roles to ECS tasks only, and creates only the three service-linked roles.
/// </summary>
public sealed partial class DeployerPolicyTests
{
    private const string Account = "123456789012";

    private static string PolicyPath => Path.Combine(TestEnvironment.RepoRoot, "Deployer", "iam", "deployer-policy.json");

    [Fact]
    public async Task Policy_AllowsEveryCallOfDeployRedeployStatusAndDestroy()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        // The default app name, which the policy's names are scoped to; a fresh environment keeps the test apart.
        var deployment = DestroySamples.Deployment(AwsSettingsDefaults.App, "p" + Guid.NewGuid().ToString("N")[..8], withApi: true);
        var image = ApplyTestKit.Image(deployment);

        await ApplyTestKit.DeployAsync(proxy.Endpoint, deployment, image);
        await ApplyTestKit.DeployAsync(proxy.Endpoint, deployment, image);
        using (var session = await MotoServer.CreateSessionAsync(proxy.Endpoint))
        {
            await StatusVerb.RunAsync(session, AppScope.From(deployment));
            var destroyed = await DestroyVerb.RunAsync(session, AppScope.From(deployment), new PlainTextDeployProgress(new StringWriter()), DestroySamples.Fast);
            Assert.False(destroyed.IsIncomplete, string.Join('\n', destroyed.Kept));
        }

        var asked = proxy.Captured.SelectMany(r => AwsAuthorization.Of(r, Account, MotoServer.Region)).ToList();
        var policy = IamPolicy.Load(PolicyPath);
        Assert.Empty(asked.Where(a => a.Action != "sts:GetCallerIdentity" && !policy.Allows(a)).Select(a => a.ToString()).Distinct());

        // The check is real: each kind of call counts, and a policy missing one of them is caught.
        var actions = asked.Select(a => a.Action).ToHashSet();
        Assert.Superset(new HashSet<string> { "ecs:CreateService", "iam:PassRole", "iam:AttachRolePolicy", "elasticloadbalancing:CreateLoadBalancer", "ecs:DeleteTaskDefinitions", "ecr:PutLifecyclePolicy", "application-autoscaling:RegisterScalableTarget" }, actions);
        Assert.Contains(asked, a => a.Action == "iam:CreateRole" && a.Resources.Single().EndsWith($":role/{deployment.Services[0].Names.TaskRole(MotoServer.Region)}", StringComparison.Ordinal));
        Assert.Contains(asked, a => a.Action == "ecs:CreateService" && !policy.Without("ecs:CreateService").Allows(a));
        var otherApp = asked.First(a => a.Action == "iam:PassRole") is var pass ? pass with { Resources = [pass.Resources[0].Replace(":role/aspire-node-", ":role/someone-else-", StringComparison.Ordinal)] } : null;
        Assert.False(policy.Allows(otherApp!));
        Assert.False(policy.Allows(pass with { Context = new Dictionary<string, string> { ["iam:PassedToService"] = "lambda.amazonaws.com" } }));
    }

    [Fact]
    public void Policy_NamesEveryOperationTheDeployerCalls()
    {
        var named = IamPolicy.Load(PolicyPath).Actions.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var source = string.Join('\n', Directory.GetFiles(Path.Combine(TestEnvironment.RepoRoot, "Deployer"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".g.cs", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText));
        var operations = typeof(AwsApiException).Assembly.GetTypes()
            .Select(t => t.GetCustomAttribute<AwsOperationAttribute>())
            .OfType<AwsOperationAttribute>()
            .Where(o => Regex.IsMatch(source, $@"\.{o.Operation}(Items)?Async\("))
            .Select(o => $"{IamPrefix(o.Model)}:{o.Operation}")
            .ToList();
        // And the EC2 calls, which go through the SDK by name.
        operations.AddRange(Ec2Operation().Matches(File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "Deployer", "Aws", "Ec2", "Ec2Client.cs"))).Select(m => "ec2:" + m.Groups[1].Value));

        Assert.True(operations.Count > 60, $"only {operations.Count} operations found: the scan is broken");
        Assert.Empty(operations.Where(o => !named.Contains(o)).Distinct());
    }

    [Fact]
    public void Policy_HasNoWildcardActionAndLimitsPassRoleAndServiceLinkedRoles()
    {
        var policy = IamPolicy.Load(PolicyPath);
        Assert.DoesNotContain(policy.Actions, a => a.Contains('*', StringComparison.Ordinal));
        Assert.Equal(policy.Actions.Count(), policy.Actions.Distinct(StringComparer.OrdinalIgnoreCase).Count());

        var pass = Assert.Single(policy.Statements, s => s.GetProperty("Action").ToString() == "iam:PassRole");
        Assert.Equal("ecs-tasks.amazonaws.com", pass.GetProperty("Condition").GetProperty("StringEquals").GetProperty("iam:PassedToService").GetString());
        Assert.Equal("arn:aws:iam::*:role/aspire-node-*", pass.GetProperty("Resource").GetString());

        var linked = Assert.Single(policy.Statements, s => s.GetProperty("Action").ToString() == "iam:CreateServiceLinkedRole");
        Assert.Equal(
            ["ecs.amazonaws.com", "ecs.application-autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com"],
            linked.GetProperty("Condition").GetProperty("StringEquals").GetProperty("iam:AWSServiceName").EnumerateArray().Select(v => v.GetString()).Order());

        var attach = Assert.Single(policy.Statements, s => s.GetProperty("Action").ToString() == "iam:AttachRolePolicy");
        Assert.EndsWith("/AmazonECSTaskExecutionRolePolicy", attach.GetProperty("Condition").GetProperty("ArnEquals").GetProperty("iam:PolicyARN").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Readme_PointsToThePolicy()
    {
        var readme = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "README.md"));
        Assert.Contains("Deployer/iam/deployer-policy.json", readme, StringComparison.Ordinal);
        Assert.Contains("Deployer/iam/github-actions-trust-policy.json", readme, StringComparison.Ordinal);
    }

    private static string IamPrefix(string model) => model switch
    {
        "elbv2" => "elasticloadbalancing",
        "sd" => "servicediscovery",
        _ => model,
    };

    [GeneratedRegex(@"RunAsync(?:<[^(]*>)?\(""([A-Za-z]+)""")]
    private static partial Regex Ec2Operation();

    private static class AwsSettingsDefaults
    {
        public const string App = AwsSettings.DefaultAppName;
    }
}

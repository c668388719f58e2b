using System.Text.Json;
using Aspire.Deployer.Tests.Hosting;
using Aspire.Deployer.Tests.Images.Infrastructure;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Aspire.Deployer.Tests.Structure;

/// <summary>
/// The GitHub Actions workflow: valid against GitHub's workflow schema (action-validator, installed by
/// scripts/node-tools.sh), and shaped as a deploy from CI must be: tests on pull requests, a deploy on main only with
/// OIDC credentials, never two deploys of one environment at once, the summary kept. Its role's trust policy lets
/// only this repository's main branch in.
/// </summary>
public sealed class WorkflowTests(ITestOutputHelper output)
{
    private static readonly string Workflows = Path.Combine(TestEnvironment.RepoRoot, ".github", "workflows");

    private static string Validator =>
        Path.Combine(TestEnvironment.RepoRoot, ".artifacts", "tools", "node_modules", ".bin", "action-validator") is var path && File.Exists(path)
            ? path
            : throw new InvalidOperationException($"action-validator is not installed at {path}: run scripts/node-tools.sh (the test command does).");

    public static TheoryData<string> WorkflowFiles() => [.. Directory.GetFiles(Workflows, "*.yml").Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(WorkflowFiles))]
    public async Task Workflow_IsValidAgainstGitHubsSchema(string file)
    {
        var result = await ValidateAsync(Path.Combine(Workflows, file));

        Assert.True(result.ExitCode == 0, string.Join('\n', result.Lines));
    }

    [Fact]
    public async Task Validator_RefusesAWorkflowGitHubWouldRefuse()
    {
        // A misspelt key: the validator must see it, or the check above proves nothing.
        var broken = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(broken, (await File.ReadAllTextAsync(Path.Combine(Workflows, "ci.yml"))).Replace("runs-on:", "runs_on:", StringComparison.Ordinal));
        try
        {
            var result = await ValidateAsync(broken);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains(result.Lines, l => l.Contains("runs_on", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public void Workflow_TestsEveryPullRequestAndDeploysMainWithOidcOneAtATime()
    {
        var root = Load("ci.yml");
        var on = (YamlMappingNode)root["on"];
        Assert.Contains(on.Children.Keys, k => k.ToString() == "pull_request");
        Assert.Equal("main", ((YamlSequenceNode)((YamlMappingNode)on["push"])["branches"]).Children.Single().ToString());
        Assert.Equal("read", ((YamlMappingNode)root["permissions"])["contents"].ToString());

        var jobs = (YamlMappingNode)root["jobs"];
        var test = (YamlMappingNode)jobs["test"];
        Assert.DoesNotContain(test.Children.Keys, k => k.ToString() == "if");
        Assert.Contains(Steps(test), s => Text(s, "run") == "bash scripts/test.sh");

        var deploy = (YamlMappingNode)jobs["deploy"];
        Assert.Equal("github.event_name == 'push' && github.ref == 'refs/heads/main'", deploy["if"].ToString());
        Assert.Equal("test", deploy["needs"].ToString());
        Assert.Equal("write", ((YamlMappingNode)deploy["permissions"])["id-token"].ToString());
        var concurrency = (YamlMappingNode)deploy["concurrency"];
        Assert.Equal("false", concurrency["cancel-in-progress"].ToString());
        Assert.Contains("production", concurrency["group"].ToString(), StringComparison.Ordinal);

        var steps = Steps(deploy);
        var credentials = Assert.Single(steps, s => Text(s, "uses")?.StartsWith("aws-actions/configure-aws-credentials@", StringComparison.Ordinal) == true);
        var with = (YamlMappingNode)credentials["with"];
        Assert.Contains(with.Children.Keys, k => k.ToString() == "role-to-assume");
        Assert.DoesNotContain(with.Children.Keys, k => k.ToString() is "aws-access-key-id" or "aws-secret-access-key");
        var run = Assert.Single(steps, s => Text(s, "run")?.Contains("aspire deploy", StringComparison.Ordinal) == true);
        Assert.Contains("--non-interactive", Text(run, "run"), StringComparison.Ordinal);
        var summaryFile = ((YamlMappingNode)run["env"])["Aws__SummaryFile"].ToString();
        var upload = Assert.Single(steps, s => Text(s, "uses")?.StartsWith("actions/upload-artifact@", StringComparison.Ordinal) == true);
        Assert.Equal("always()", Text(upload, "if"));
        Assert.Equal(summaryFile, ((YamlMappingNode)upload["with"])["path"].ToString());
        // Credentials come only from the assumed role: no AWS secret is read anywhere in the workflow.
        Assert.DoesNotContain("secrets.AWS", File.ReadAllText(Path.Combine(Workflows, "ci.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public void TrustPolicy_LetsOnlyThisRepositorysMainBranchAssumeTheRoleThroughGitHubsOidc()
    {
        using var policy = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "Deployer", "iam", "github-actions-trust-policy.json")));
        var statement = Assert.Single(policy.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.Equal("sts:AssumeRoleWithWebIdentity", statement.GetProperty("Action").GetString());
        Assert.EndsWith(":oidc-provider/token.actions.githubusercontent.com", statement.GetProperty("Principal").GetProperty("Federated").GetString(), StringComparison.Ordinal);
        var equals = statement.GetProperty("Condition").GetProperty("StringEquals");
        Assert.Equal("sts.amazonaws.com", equals.GetProperty("token.actions.githubusercontent.com:aud").GetString());
        // A repository and its main branch, exactly: no wildcard that a fork or another branch would match.
        var subject = equals.GetProperty("token.actions.githubusercontent.com:sub").GetString()!;
        Assert.Matches("^repo:[^/*]+/[^:*]+:ref:refs/heads/main$", subject);
        Assert.False(statement.GetProperty("Condition").TryGetProperty("StringLike", out _));
    }

    private async Task<CommandResult> ValidateAsync(string file) =>
        await CommandLine.RunAsync(Validator, [file], new Dictionary<string, string?>(), TimeSpan.FromMinutes(1), output);

    private static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Workflows, file));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static List<YamlMappingNode> Steps(YamlMappingNode job) => [.. ((YamlSequenceNode)job["steps"]).Children.Cast<YamlMappingNode>()];

    private static string? Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value.ToString() : null;
}

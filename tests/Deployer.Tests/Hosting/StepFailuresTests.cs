using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Hosting;
using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Aspire.Deployer.Verbs;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>The failure table: each failure type prints what failed, the AWS error code when AWS refused, and what to do.</summary>
public sealed class StepFailuresTests
{
    private static readonly AwsApiException Denied = new("ECS", "CreateCluster", "AccessDeniedException", "not authorized", 400, "req-1");

    public static TheoryData<Exception, string, string?, string> Failures => new()
    {
        { new DeploymentValidationException(["node-app: cpu 300 is not a Fargate size"]), "Deploy failed: the deployment is not valid; nothing was changed.", null, "Fix each problem" },
        { Denied, "Deploy failed: ECS CreateCluster failed: AccessDeniedException", "AccessDeniedException", "Grant the credentials in use ECS CreateCluster" },
        { new AwsApiException("STS", "GetCallerIdentity", AwsApiException.NoCredentialsCode, "no credentials"), "Deploy failed: STS GetCallerIdentity failed", AwsApiException.NoCredentialsCode, "Set AWS credentials" },
        { new ImagePipelineException("web", ImagePipelineStage.SmokeTest, "the container exited with code 3"), "Deploy failed: Image for 'web' (smoke test): the container exited", null, "Nothing was pushed" },
        { new DeployFailedException(new DeploySummary("shop", "test", "us-east-1", null, "failed", "boom", new Dictionary<string, int>(), 3, 1, []), Denied), "Deploy failed: ECS CreateCluster failed", "AccessDeniedException", "Grant the credentials" },
        { new OperationCanceledException(), "Deploy cancelled.", null, "a rerun converges" },
        { new IOException("disk full"), "Deploy failed: disk full", null, "writable" },
        { new FormatException("odd"), "Deploy failed unexpectedly: FormatException: odd", null, "--log-level debug" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Describe_SaysWhatFailedTheCodeAndWhatToDo(Exception failure, string headline, string? code, string advice)
    {
        var report = StepFailures.Describe(failure, "Deploy");
        var text = report.ToText();

        Assert.StartsWith(headline, report.Headline, StringComparison.Ordinal);
        Assert.Equal(code, report.AwsErrorCode);
        Assert.Contains(advice, report.Advice, StringComparison.Ordinal);
        Assert.Contains("What to do: " + report.Advice, text, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(text, report.Headline));
    }

    [Fact]
    public void ToText_NamesTheCodeOnceEvenWhenTheHeadlineHasIt()
    {
        var text = StepFailures.Describe(Denied, "Plan").ToText();

        Assert.Equal(1, CountOf(text, "AccessDeniedException"));
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;
}

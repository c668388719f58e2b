using Aspire.Deployer.Model;

namespace Aspire.Deployer.Tests.Model;

public sealed class DeploymentValidatorTests
{
    private static ServiceDescription Service(string resource = "node-app", int containerPort = 4000, int listenerPort = 4000,
        FargateSize? size = null, EcsServiceOptions? options = null, Dictionary<string, string>? environment = null) =>
        new(new AwsNames("shop", "prod", resource), new ImageSource("/src", "/src/Dockerfile", new Dictionary<string, string>()),
            containerPort, listenerPort, "/health", environment ?? new() { ["PORT"] = "4000" },
            size ?? FargateSize.Default, options ?? new EcsServiceOptions());

    private static IReadOnlyList<string> Problems(params ServiceDescription[] services) =>
        DeploymentValidator.Problems(new DeploymentDescription("shop", "prod", services));

    [Fact]
    public void DefaultService_IsValid()
    {
        Assert.Empty(Problems(Service()));
    }

    [Fact]
    public void NoServices_IsRejectedSayingHowToPublishOne()
    {
        Assert.Contains("PublishAsDockerFile", Assert.Single(Problems()));
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnceNamingTheResource()
    {
        var problems = Problems(Service(containerPort: 70000, listenerPort: 70001, size: new FargateSize(256, 4096),
            options: new EcsServiceOptions { DesiredCount = -1, LogRetentionDays = 2, CertificateArn = "my-cert" }));

        Assert.Equal(6, problems.Count);
        Assert.All(problems, p => Assert.StartsWith("node-app: ", p));
    }

    [Fact]
    public void CredentialsInEnvironment_AreRejected()
    {
        var problem = Assert.Single(Problems(Service(environment: new() { ["AWS_SECRET_ACCESS_KEY"] = "x" })));

        Assert.Contains("task role", problem);
    }

    [Fact]
    public void TwoServicesOnOnePublicPort_AreRejected()
    {
        var problem = Assert.Single(Problems(Service("web"), Service("api")));

        Assert.Contains("Listener port 4000 is used by web and api", problem);
    }

    [Fact]
    public void InvalidAutoScaling_IsRejected()
    {
        var problems = Problems(Service(options: new EcsServiceOptions { AutoScaling = new AutoScalingOptions(3, 2, 150) }));

        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public void EnsureValid_ThrowsWithEveryProblemInTheMessage()
    {
        var deployment = new DeploymentDescription("shop", "prod", [Service(size: new FargateSize(512, 512))]);

        var error = Assert.Throws<DeploymentValidationException>(() => DeploymentValidator.EnsureValid(deployment));

        Assert.Contains("nothing was changed", error.Message);
        Assert.Contains("memory 512 MiB does not fit cpu 512", error.Message);
    }
}

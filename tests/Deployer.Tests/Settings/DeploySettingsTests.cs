using Aspire.Deployer.Model;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Tests.Settings;

/// <summary>The deploy verb's settings as <see cref="AwsSettings"/> binds them (they were DeploySettings.FromConfiguration).</summary>
public sealed class DeploySettingsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Bind_Nothing_GivesDefaults()
    {
        var settings = AwsSettings.Bind(Config()).Deploy;

        Assert.Equal(TimeSpan.FromMinutes(15), settings.Wait.Timeout);
        Assert.True(settings.Wait.RequireHealthyTargets);
        Assert.Null(settings.SummaryFile);
        Assert.Equal(".aspire/aws-deploy-summary.json", DeploySettings.DefaultSummaryFile);
    }

    [Fact]
    public void Bind_Values_AreRead()
    {
        var settings = AwsSettings.Bind(Config(
            ("Aws:DeployTimeoutMinutes", "2.5"), ("Aws:DeployPollSeconds", "1"), ("Aws:WaitForHealthyTargets", "false"),
            ("Aws:SummaryFile", "out/summary.json"), ("Aws:Region", "eu-west-1"), ("Aws:SubnetIds", "subnet-a, subnet-b"))).Deploy;

        Assert.Equal(TimeSpan.FromSeconds(150), settings.Wait.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.Wait.PollInterval);
        Assert.False(settings.Wait.RequireHealthyTargets);
        Assert.Equal("out/summary.json", settings.SummaryFile);
        Assert.Equal("eu-west-1", settings.Region);
        Assert.Equal(["subnet-a", "subnet-b"], settings.Network.SubnetIds);
    }

    [Fact]
    public void Bind_NonPositiveTimeout_IsRejected()
    {
        var error = Assert.Throws<DeploymentValidationException>(() => AwsSettings.Bind(Config(("Aws:DeployTimeoutMinutes", "0"))).Deploy);

        Assert.Contains("Aws:DeployTimeoutMinutes", error.Problems.Single());
    }
}

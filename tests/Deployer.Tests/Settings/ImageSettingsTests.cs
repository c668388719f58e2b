using Aspire.Deployer.Hosting;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Tests.Images;

public sealed class ImageSettingsTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void NoSettings_PushToEcrWithTheSmokeTestOn()
    {
        var options = DeployerSteps.ImageSettings(Configuration());

        Assert.Null(options.Registry);
        Assert.False(options.SkipSmokeTest);
        Assert.Equal(TimeSpan.FromSeconds(60), options.SmokeTestTimeout);
    }

    [Fact]
    public void Settings_ChooseRegistrySmokeTestAndTimeout()
    {
        var options = DeployerSteps.ImageSettings(Configuration(
            ("Aws:Registry", "127.0.0.1:5000"), ("Aws:SkipSmokeTest", "true"), ("Aws:SmokeTestTimeoutSeconds", "5")));

        Assert.Equal("127.0.0.1:5000", options.Registry);
        Assert.True(options.SkipSmokeTest);
        Assert.Equal(TimeSpan.FromSeconds(5), options.SmokeTestTimeout);
    }
}

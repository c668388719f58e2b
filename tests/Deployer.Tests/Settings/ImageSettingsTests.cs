using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Tests.Settings;

/// <summary>The image pipeline's options as <see cref="AwsSettings"/> binds them (they were DeployerSteps.ImageSettings).</summary>
public sealed class ImageSettingsTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void NoSettings_PushToEcrWithTheSmokeTestOn()
    {
        var options = AwsSettings.Bind(Configuration()).Images;

        Assert.Null(options.Registry);
        Assert.False(options.SkipSmokeTest);
        Assert.Equal(TimeSpan.FromSeconds(60), options.SmokeTestTimeout);
    }

    [Fact]
    public void Settings_ChooseRegistrySmokeTestAndTimeout()
    {
        var options = AwsSettings.Bind(Configuration(
            ("Aws:Registry", "127.0.0.1:5000"), ("Aws:SkipSmokeTest", "true"), ("Aws:SmokeTestTimeoutSeconds", "5"))).Images;

        Assert.Equal("127.0.0.1:5000", options.Registry);
        Assert.True(options.SkipSmokeTest);
        Assert.Equal(TimeSpan.FromSeconds(5), options.SmokeTestTimeout);
    }
}

using Aspire.Deployer.Model;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Tests.Settings;

/// <summary>Binding the Aws section once: keys checked against the record, closest-key hints, values converted, per-service options.</summary>
public sealed class AwsSettingsTests
{
    private static readonly string[] Model = ["node-app"];

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    private static IReadOnlyList<string> Problems(params (string Key, string Value)[] values) =>
        Assert.Throws<DeploymentValidationException>(() => AwsSettings.Bind(Config(values), Model)).Problems;

    [Fact]
    public void Bind_MistypedSection_IsRefusedNamingTheClosestKey()
    {
        var problem = Assert.Single(Problems(("Aws:Servces:node-app:Cpu", "512")));

        Assert.StartsWith("Aws:Servces:node-app:Cpu is not a setting", problem);
        Assert.Contains("Did you mean Aws:Services:node-app:Cpu?", problem);
    }

    [Theory]
    [InlineData("Aws:AppNmae", "Did you mean Aws:AppName?")]
    [InlineData("Aws:Services:node-app:Memory", "Did you mean Aws:Services:node-app:MemoryMiB?")]
    [InlineData("Aws:Services:node-app:AutoScaling:MaxCont", "Did you mean Aws:Services:node-app:AutoScaling:MaxCount?")]
    [InlineData("Aws:Services:nodeapp:Cpu", "Did you mean Aws:Services:node-app:Cpu?")]
    public void Bind_UnknownKey_SuggestsTheClosestKnownOne(string key, string suggestion)
    {
        var problem = Assert.Single(Problems((key, "1")));

        Assert.StartsWith(key + " ", problem);
        Assert.Contains(suggestion, problem);
    }

    [Fact]
    public void Bind_ServiceTheModelLacks_NamesTheServicesItHas()
    {
        var problem = Assert.Single(Problems(("Aws:Services:worker:Cpu", "512")));

        Assert.Contains("deploys no resource named 'worker' (it deploys: node-app)", problem);
        Assert.DoesNotContain("Did you mean", problem);
    }

    [Fact]
    public void Bind_NothingClose_ListsTheKnownKeys()
    {
        var problem = Assert.Single(Problems(("Aws:Bucket", "logs")));

        Assert.DoesNotContain("Did you mean", problem);
        Assert.Contains("Known keys under Aws: AppName, Environment, Region", problem);
    }

    [Theory]
    [InlineData("Aws:DeployPollSeconds", "soon", "is 'soon', which is not a number")]
    [InlineData("Aws:SkipSmokeTest", "yes", "is 'yes', which is not true or false")]
    [InlineData("Aws:StatusEvents", "2.5", "is '2.5', which is not a whole number")]
    [InlineData("Aws:Services:node-app:Cpu", "lots", "Aws:Services:node-app:Cpu is 'lots', which is not a whole number")]
    [InlineData("Aws:Services:node-app:Architecture", "ARM", "is 'ARM', which is not one of X86_64, ARM64")]
    [InlineData("Aws:SmokeTestTimeoutSeconds", "-1", "Aws:SmokeTestTimeoutSeconds must be a positive number")]
    [InlineData("Aws:AppName:Prefix", "x", "Aws:AppName:Prefix is not a setting: Aws:AppName takes a single value")]
    public void Bind_BadValue_IsRefusedSayingWhatItTakes(string key, string value, string expected)
    {
        Assert.Contains(expected, Assert.Single(Problems((key, value))));
    }

    [Fact]
    public void Bind_EveryProblem_IsReportedAtOnce()
    {
        Assert.Equal(3, Problems(("Aws:Regoin", "eu-west-1"), ("Aws:DeployPollSeconds", "0"), ("Aws:Services:node-app:Cpu", "x")).Count);
    }

    [Fact]
    public void Bind_KeysAreCaseInsensitiveAndSubnetsMayBeAList()
    {
        var settings = AwsSettings.Bind(Config(("aws:appname", "shop"), ("AWS:SUBNETIDS:0", "subnet-a"), ("Aws:SubnetIds:1", " subnet-b ")), Model);

        Assert.Equal("shop", settings.App);
        Assert.Equal(["subnet-a", "subnet-b"], settings.Network.SubnetIds);
    }

    [Fact]
    public void Bind_Nothing_UsesTheDefaultAppNameAndTheAspireEnvironment()
    {
        var settings = AwsSettings.Bind(Config(), Model);

        Assert.Equal(AwsSettings.DefaultAppName, settings.App);
        Assert.Equal("aspire-node", AwsSettings.DefaultAppName);
        Assert.Equal("production", settings.EnvironmentFor("Production"));
        Assert.Null(settings.Region);
    }

    [Fact]
    public void ServiceOptions_ConfigurationOverridesTheAppHostsValuesAndLeavesThemUnchanged()
    {
        var settings = AwsSettings.Bind(Config(
            ("Aws:Services:Node-App:MemoryMiB", "2048"), ("Aws:Services:node-app:AutoScaling:MinCount", "1"),
            ("Aws:Services:node-app:AutoScaling:MaxCount", "4")), Model);
        var fromCode = new EcsServiceOptions { Cpu = 512, DesiredCount = 2 };

        var options = settings.ServiceOptions("node-app", fromCode);

        Assert.Equal((512, 2048, 2), (options.Cpu, options.MemoryMiB, options.DesiredCount));
        Assert.Equal(new AutoScalingOptions(1, 4, 60), options.AutoScaling);
        Assert.Equal(512, fromCode.MemoryMiB == 512 ? fromCode.Cpu : -1);
    }

    [Fact]
    public void Bind_HalfAnAutoScalingSetting_IsRefused()
    {
        Assert.Contains("MinCount and MaxCount", Assert.Single(Problems(("Aws:Services:node-app:AutoScaling:MinCount", "1"))));
    }

    [Fact]
    public void Bind_RegistryWithAUsernameButNoPassword_IsRefusedWithoutReadingAnySecret()
    {
        var environment = new Dictionary<string, string?> { ["ASPIRE_DEPLOY_REGISTRY_USERNAME"] = "deployer" };

        var error = Assert.Throws<DeploymentValidationException>(() =>
            AwsSettings.Bind(Config(("Aws:Registry", "127.0.0.1:5000")), Model, n => environment.GetValueOrDefault(n)));

        Assert.Contains("ASPIRE_DEPLOY_REGISTRY_PASSWORD", Assert.Single(error.Problems));
    }

    [Fact]
    public void Bind_RegistryCredentials_ComeFromTheEnvironmentAndNeverPrint()
    {
        var environment = new Dictionary<string, string?> { ["ASPIRE_DEPLOY_REGISTRY_USERNAME"] = "deployer", ["ASPIRE_DEPLOY_REGISTRY_PASSWORD"] = "s3cret" };

        var settings = AwsSettings.Bind(Config(("Aws:Registry", "127.0.0.1:5000")), Model, n => environment.GetValueOrDefault(n));

        Assert.Equal("deployer", settings.Images.RegistryCredentials!.Username);
        Assert.DoesNotContain("s3cret", settings.ToString());
    }

    [Fact]
    public void Keys_ListEverySettingAndEveryServiceOption()
    {
        Assert.Contains("Aws:AppName", AwsSettings.Keys);
        Assert.Contains("Aws:StatusEvents", AwsSettings.Keys);
        Assert.Contains("Aws:Services:<resource>:Cpu", AwsSettings.Keys);
        Assert.Contains("Aws:Services:<resource>:AutoScaling:TargetCpuPercent", AwsSettings.Keys);
        Assert.DoesNotContain(AwsSettings.Keys, k => k.EndsWith(":Services", StringComparison.Ordinal) || k.Contains("RegistryCredentials", StringComparison.Ordinal));
    }
}

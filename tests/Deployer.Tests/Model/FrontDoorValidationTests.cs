using Aspire.Deployer.Model;
using Aspire.Deployer.Tests.Resources;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Tests.Model;

/// <summary>Bad front door input is refused with its fix before any AWS call.</summary>
public sealed class FrontDoorValidationTests
{
    private static IReadOnlyList<string> Problems(FrontDoor? door, params ServiceDescription[] services) =>
        DeploymentValidator.Problems(FrontDoorSamples.Deployment(door, services));

    [Fact]
    public void TwoServicesOnHosts_AreValid()
    {
        Assert.Empty(Problems(FrontDoorSamples.Door(),
            FrontDoorSamples.Service("node-app", o => o.Host = "app.example.com"), FrontDoorSamples.Service("api", o => o.Host = "API.example.com.", port: 4000)));
    }

    [Fact]
    public void TwoServicesClaimingTheSameHostAndPath_AreRefusedNamingBoth()
    {
        var problem = Assert.Single(Problems(FrontDoorSamples.Door(),
            FrontDoorSamples.Service("node-app"), FrontDoorSamples.Service("api", o => { o.Host = "app.example.com"; o.PathPrefix = "/"; })));

        Assert.Contains("node-app and api both claim app.example.com", problem, StringComparison.Ordinal);
        Assert.Contains("PathPrefix", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SameHostWithDifferentPrefixes_IsValid_AndTheirPortsMayBeTheSame()
    {
        Assert.Empty(Problems(FrontDoorSamples.Door(), FrontDoorSamples.Service("node-app"), FrontDoorSamples.Service("api", o => o.PathPrefix = "/api")));
    }

    [Theory]
    [InlineData("api")]
    [InlineData("api/v1")]
    [InlineData("/api/*")]
    [InlineData("/api?x=1")]
    [InlineData("/a b")]
    [InlineData("/api//v1")]
    public void PathPrefixThatIsNoPath_IsRefused(string prefix)
    {
        var problem = Assert.Single(Problems(FrontDoorSamples.Door(), FrontDoorSamples.Service("api", o => o.PathPrefix = prefix)));

        Assert.StartsWith("api: PathPrefix", problem, StringComparison.Ordinal);
        Assert.Contains("is not a path", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*.example.com", "wildcard")]
    [InlineData("localhost", "not a DNS name")]
    [InlineData("bad_name.example.com", "not a DNS name")]
    [InlineData("-x.example.com", "not a DNS name")]
    public void HostThatIsNoDnsName_IsRefused(string host, string says)
    {
        var problem = Assert.Single(Problems(FrontDoorSamples.Door(), FrontDoorSamples.Service("api", o => o.Host = host)));

        Assert.Contains(says, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void HostOrPathWithoutDomain_IsRefusedSayingToSetAwsDomain()
    {
        var problem = Assert.Single(Problems(null, FrontDoorSamples.Service("api", o => o.Host = "api.example.com")));

        Assert.Contains("needs Aws:Domain", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void PerServiceCertificate_WithADomain_IsRefusedPointingAtAwsCertificateArn()
    {
        var problem = Assert.Single(Problems(FrontDoorSamples.Door(),
            FrontDoorSamples.Service("api", o => o.CertificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/abc")));

        Assert.Contains("Aws:CertificateArn", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedDomainZoneAndCertificate_AreEachRefused()
    {
        var door = new FrontDoor("example", "not-a-zone", "my-cert", FrontDoor.DefaultSslPolicy, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1));

        var problems = Problems(door, FrontDoorSamples.Service("node-app"));

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Aws:Domain 'example'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Aws:HostedZoneId 'not-a-zone'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Aws:CertificateArn 'my-cert'", StringComparison.Ordinal));
    }

    [Fact]
    public void ListenerPortClash_DoesNotMatterOnTheFrontDoor()
    {
        var services = new[] { FrontDoorSamples.Service("node-app"), FrontDoorSamples.Service("api", o => o.Host = "api.example.com") };

        Assert.Empty(Problems(FrontDoorSamples.Door(), services));
        Assert.Contains(Problems(null, services), p => p.StartsWith("Listener port 4000 is used by", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("HostedZoneId", "Z123")]
    [InlineData("CertificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/abc")]
    [InlineData("SslPolicy", "ELBSecurityPolicy-TLS13-1-2-2021-06")]
    [InlineData("CertificateTimeoutMinutes", "5")]
    public void FrontDoorSetting_WithoutADomain_IsRefusedAtBind(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Aws:{key}"] = value }).Build();

        var error = Assert.Throws<DeploymentValidationException>(() => AwsSettings.Bind(configuration));

        Assert.Contains($"Aws:{key} is set, but it belongs to the HTTPS front door, which needs Aws:Domain", Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void DomainSettings_BindIntoTheFrontDoor_NormalizedAndWithDefaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Aws:Domain"] = "App.Example.com.",
            ["Aws:HostedZoneId"] = "/hostedzone/Z123ABC",
            ["Aws:Services:api:Host"] = "api.example.com",
            ["Aws:Services:api:PathPrefix"] = "/v1",
        }).Build();

        var settings = AwsSettings.Bind(configuration, ["api"]);
        var options = settings.ServiceOptions("api", new EcsServiceOptions());

        Assert.Equal(("app.example.com", "Z123ABC", null, FrontDoor.DefaultSslPolicy, TimeSpan.FromMinutes(30)),
            (settings.FrontDoor!.Domain, settings.FrontDoor.HostedZoneId, settings.FrontDoor.CertificateArn, settings.FrontDoor.SslPolicy, settings.FrontDoor.CertificateTimeout));
        Assert.Equal(("api.example.com", "/v1"), (options.Host, options.PathPrefix));
        Assert.Null(AwsSettings.Bind(new ConfigurationBuilder().Build()).FrontDoor);
    }
}

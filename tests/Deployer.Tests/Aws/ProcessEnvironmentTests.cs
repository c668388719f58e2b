using Aspire.Deployer.Aws;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws;

/// <summary>Runs alone (after the parallel tests): these tests change process-wide environment variables.</summary>
[CollectionDefinition(nameof(ProcessEnvironmentCollection), DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection;

/// <summary>
/// The SDK's real credential and region chains (env, web identity, profiles, container, IMDS) against a cleared
/// process environment: the run's own empty credential and config files (<see cref="TestProcessSetup"/>), instance
/// metadata disabled so nothing is probed.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class ProcessEnvironmentTests : IDisposable
{
    private static readonly string[] Cleared =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED",
    ];

    private readonly Dictionary<string, string?> _saved = Cleared.ToDictionary(n => n, Environment.GetEnvironmentVariable);
    private readonly string _credentialsFile = TestProcessSetup.CredentialsFile;
    private readonly string _configFile = TestProcessSetup.ConfigFile;

    public ProcessEnvironmentTests()
    {
        File.WriteAllText(_credentialsFile, "");
        File.WriteAllText(_configFile, "");
        foreach (var name in Cleared)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", _credentialsFile);
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", _configFile);
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        File.WriteAllText(_credentialsFile, "");
        File.WriteAllText(_configFile, "");
    }

    [Fact]
    public async Task NoCredentialsAnywhere_FailsQuicklyNamingEveryPlaceTried()
    {
        Environment.SetEnvironmentVariable("AWS_REGION", "us-east-1");
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<AwsApiException>(() => AwsSession.CreateAsync());

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
        Assert.Equal(AwsApiException.NoCredentialsCode, error.ErrorCode);
        foreach (var tried in (string[])["AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_PROFILE", "SSO", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "instance metadata", "aws configure"])
        {
            Assert.Contains(tried, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NoRegionAnywhere_FailsNamingEveryPlaceTried()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKID");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "secret");

        var error = await Assert.ThrowsAsync<AwsApiException>(() => AwsSession.CreateAsync());

        Assert.Equal(AwsApiException.NoRegionCode, error.ErrorCode);
        foreach (var tried in (string[])["AWS_REGION", "AWS_DEFAULT_REGION", "~/.aws/config", "instance metadata"])
        {
            Assert.Contains(tried, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EnvironmentCredentialsAndDefaultRegion_AreFoundByTheStandardChains()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKID");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "secret");
        Environment.SetEnvironmentVariable("AWS_DEFAULT_REGION", "eu-north-1");

        using var session = await AwsSession.CreateAsync();

        Assert.Equal("AKID", (await session.Credentials.GetCredentialsAsync()).AccessKey);
        Assert.Equal("eu-north-1", session.Region.SystemName);
    }

    [Fact]
    public async Task ProfileInTheSharedFiles_GivesCredentialsAndRegion()
    {
        await File.WriteAllTextAsync(_credentialsFile, "[deploy]\naws_access_key_id = PROFILEKEY\naws_secret_access_key = profilesecret\n");
        await File.WriteAllTextAsync(_configFile, "[profile deploy]\nregion = ap-northeast-1\n");
        Environment.SetEnvironmentVariable("AWS_PROFILE", "deploy");

        using var session = await AwsSession.CreateAsync();

        Assert.Equal("PROFILEKEY", (await session.Credentials.GetCredentialsAsync()).AccessKey);
        Assert.Equal("ap-northeast-1", session.Region.SystemName);
    }

    [Fact]
    public async Task EndpointVariablesOfTheProcess_ReachTheSdkClientsToo()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKID");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "secret");
        Environment.SetEnvironmentVariable("AWS_REGION", "us-east-1");
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", "http://127.0.0.1:1234");

        using var session = await AwsSession.CreateAsync();

        Assert.Equal(1234, session.Ecs.Endpoint.Port);
        Assert.Equal(1234, session.Ec2.Endpoint.Port);
        Assert.Equal(1234, session.Sts.Endpoint.Port);
    }
}

using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.Ecs;

namespace Aspire.Deployer.Tests.Aws;

/// <summary>Credentials, region and endpoint resolution with explicit (hermetic) environments, and unreachable endpoints.</summary>
public sealed class SessionTests
{
    private static readonly AWSCredentials TestCredentials = new BasicAWSCredentials("testing", "testing");

    private static AwsSessionOptions Hermetic(params (string Name, string? Value)[] variables) => new()
    {
        Environment = AwsEnvironment.FromVariables(variables.Select(v => new KeyValuePair<string, string?>(v.Name, v.Value))),
    };

    [Fact]
    public async Task NoCredentials_FailsWithWhatWasTriedAndHowToFixIt()
    {
        var error = await Assert.ThrowsAsync<AwsApiException>(() => AwsSession.CreateAsync(Hermetic(("AWS_REGION", "us-east-1"))));

        Assert.Equal(AwsApiException.NoCredentialsCode, error.ErrorCode);
        Assert.Contains("AWS_ACCESS_KEY_ID", error.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_PROFILE", error.Message, StringComparison.Ordinal);
        Assert.Null(error.HttpStatus);
    }

    [Fact]
    public async Task NoRegion_FailsWithWhatWasTriedAndHowToFixIt()
    {
        var error = await Assert.ThrowsAsync<AwsApiException>(() => AwsSession.CreateAsync(Hermetic(("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "b"))));

        Assert.Equal(AwsApiException.NoRegionCode, error.ErrorCode);
        Assert.Contains("AWS_REGION", error.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_DEFAULT_REGION", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidRegion_FailsClearly()
    {
        var error = await Assert.ThrowsAsync<AwsApiException>(() => AwsSession.CreateAsync(Hermetic(("AWS_REGION", "Frankfurt")) with { Credentials = TestCredentials }));

        Assert.Contains("'Frankfurt' is not an AWS region name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnvironmentCredentialsAndDefaultRegion_AreUsed()
    {
        using var session = await AwsSession.CreateAsync(Hermetic(("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret"), ("AWS_SESSION_TOKEN", "token"), ("AWS_DEFAULT_REGION", "eu-west-1"), ("AWS_MAX_ATTEMPTS", "7")));

        var credentials = await session.Credentials.GetCredentialsAsync();
        Assert.Equal(("AKID", "secret", "token"), (credentials.AccessKey, credentials.SecretKey, credentials.Token));
        Assert.Equal("eu-west-1", session.Region.SystemName);
        Assert.Equal(7, session.Retry.MaxAttempts);
    }

    [Fact]
    public async Task RegionOption_WinsOverTheEnvironment()
    {
        using var session = await AwsSession.CreateAsync(Hermetic(("AWS_REGION", "eu-west-1")) with { Credentials = TestCredentials, Region = "ap-southeast-2" });

        Assert.Equal("ap-southeast-2", session.Region.SystemName);
    }

    [Fact]
    public async Task DefaultEndpoints_FollowTheRegionAndIamIsGlobal()
    {
        using var session = await AwsSession.CreateAsync(Hermetic(("AWS_REGION", "eu-central-1")) with { Credentials = TestCredentials });

        Assert.Equal("https://ecs.eu-central-1.amazonaws.com/", session.ResolveEndpoint(AwsService.Ecs).ToString());
        Assert.Equal("https://api.ecr.eu-central-1.amazonaws.com/", session.ResolveEndpoint(AwsService.Ecr).ToString());
        Assert.Equal("https://elasticloadbalancing.eu-central-1.amazonaws.com/", session.ResolveEndpoint(AwsService.ElasticLoadBalancingV2).ToString());
        Assert.Equal("https://logs.eu-central-1.amazonaws.com/", session.ResolveEndpoint(AwsService.CloudWatchLogs).ToString());
        Assert.Equal("https://application-autoscaling.eu-central-1.amazonaws.com/", session.ResolveEndpoint(AwsService.ApplicationAutoScaling).ToString());
        Assert.Equal("https://iam.amazonaws.com/", session.ResolveEndpoint(AwsService.Iam).ToString());
        Assert.Equal("us-east-1", session.SigningRegion(AwsService.Iam).SystemName);
        Assert.Equal("eu-central-1", session.SigningRegion(AwsService.Ecs).SystemName);
        Assert.Equal(session.ResolveEndpoint(AwsService.Ecs), session.Ecs.Endpoint);
    }

    [Fact]
    public async Task ChinaRegions_UseTheirPartitionsDomain()
    {
        using var session = await AwsSession.CreateAsync(Hermetic(("AWS_REGION", "cn-northwest-1")) with { Credentials = TestCredentials });

        Assert.Equal("https://ecs.cn-northwest-1.amazonaws.com.cn/", session.ResolveEndpoint(AwsService.Ecs).ToString());
        Assert.Equal("https://iam.cn-north-1.amazonaws.com.cn/", session.ResolveEndpoint(AwsService.Iam).ToString());
        Assert.Equal("cn-north-1", session.SigningRegion(AwsService.Iam).SystemName);
    }

    [Fact]
    public async Task ServiceSpecificEndpointVariable_WinsOverTheGlobalOne()
    {
        using var session = await AwsSession.CreateAsync(Hermetic(
            ("AWS_REGION", "us-west-2"),
            ("AWS_ENDPOINT_URL", "http://localhost:1111"),
            ("AWS_ENDPOINT_URL_ECS", "http://localhost:2222"),
            ("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "http://localhost:3333"),
            ("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://localhost:4444"),
            ("AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING", "http://localhost:5555")) with { Credentials = TestCredentials });

        Assert.Equal(2222, session.ResolveEndpoint(AwsService.Ecs).Port);
        Assert.Equal(3333, session.ResolveEndpoint(AwsService.ElasticLoadBalancingV2).Port);
        Assert.Equal(4444, session.ResolveEndpoint(AwsService.CloudWatchLogs).Port);
        Assert.Equal(5555, session.ResolveEndpoint(AwsService.ApplicationAutoScaling).Port);
        Assert.Equal(1111, session.ResolveEndpoint(AwsService.Ecr).Port);
        Assert.Equal(1111, session.ResolveEndpoint(AwsService.Iam).Port);
        Assert.Equal(1111, session.ResolveEndpoint(AwsService.Sts).Port);
        Assert.Equal(1111, session.Ec2.Endpoint.Port);
    }

    [Fact]
    public async Task IgnoreConfiguredEndpointUrls_RestoresTheDefaults()
    {
        using var session = await AwsSession.CreateAsync(Hermetic(("AWS_REGION", "us-west-2"), ("AWS_ENDPOINT_URL", "http://localhost:1111"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")) with { Credentials = TestCredentials });

        Assert.Equal("https://ecs.us-west-2.amazonaws.com/", session.ResolveEndpoint(AwsService.Ecs).ToString());
    }

    [Fact]
    public async Task MalformedEndpointVariable_FailsNamingTheVariable()
    {
        using var session = await AwsSession.CreateAsync(Hermetic(("AWS_REGION", "us-west-2"), ("AWS_ENDPOINT_URL_ECS", "not a url")) with { Credentials = TestCredentials });

        var error = Assert.Throws<AwsApiException>(() => session.ResolveEndpoint(AwsService.Ecs));
        Assert.Contains("AWS_ENDPOINT_URL_ECS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClosedPort_FailsFastNamingTheEndpointAfterTheBoundedRetries()
    {
        var endpoint = new Uri($"http://127.0.0.1:{Infrastructure.MotoServer.FreePort()}/");
        using var session = await Infrastructure.MotoServer.CreateSessionAsync(endpoint, Infrastructure.MotoServer.FastRetry);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<AwsApiException>(() => session.Ecs.ListClustersAsync(new ListClustersRequest()));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
        Assert.Equal(AwsApiException.ConnectionFailureCode, error.ErrorCode);
        Assert.Equal(Infrastructure.MotoServer.FastRetry.MaxAttempts, error.Attempts);
        Assert.Contains(endpoint.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(endpoint, error.Endpoint);
        Assert.Null(error.HttpStatus);
    }

    [Fact]
    public async Task ClosedPort_ThroughTheEc2AndStsPackages_AlsoFailsAsAwsApiException()
    {
        var endpoint = new Uri($"http://127.0.0.1:{Infrastructure.MotoServer.FreePort()}/");
        using var session = await Infrastructure.MotoServer.CreateSessionAsync(endpoint, Infrastructure.MotoServer.FastRetry with { MaxAttempts = 2 });

        var sts = await Assert.ThrowsAsync<AwsApiException>(() => session.Sts.GetCallerIdentityAsync());
        var ec2 = await Assert.ThrowsAsync<AwsApiException>(() => session.Ec2.GetDefaultVpcAsync());

        Assert.Equal(("STS", "GetCallerIdentity"), (sts.Service, sts.Operation));
        Assert.Equal(("EC2", "DescribeVpcs"), (ec2.Service, ec2.Operation));
        Assert.Contains("127.0.0.1", sts.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointThatAcceptsButNeverAnswers_TimesOutPerAttemptInsteadOfHanging()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(); // accepts connections (backlog) but never answers
        var endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        var retry = Infrastructure.MotoServer.FastRetry with { MaxAttempts = 2, AttemptTimeout = TimeSpan.FromMilliseconds(300) };
        using var session = await Infrastructure.MotoServer.CreateSessionAsync(endpoint, retry);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<AwsApiException>(() => session.Ecs.ListClustersAsync(new ListClustersRequest()));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        Assert.Equal(AwsApiException.RequestTimeoutCode, error.ErrorCode);
        Assert.Equal(2, error.Attempts);
        Assert.Contains(endpoint.ToString(), error.Message, StringComparison.Ordinal);
    }
}

using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Aspire.Deployer.Aws.ApplicationAutoScaling;
using Aspire.Deployer.Aws.CertificateManager;
using Aspire.Deployer.Aws.CloudWatchLogs;
using Aspire.Deployer.Aws.Ecr;
using Aspire.Deployer.Aws.Ec2;
using Aspire.Deployer.Aws.Ecs;
using Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Aspire.Deployer.Aws.Iam;
using Aspire.Deployer.Aws.SecretsManager;
using Aspire.Deployer.Aws.ServiceDiscovery;
using Aspire.Deployer.Aws.Route53;

namespace Aspire.Deployer.Aws;

/// <summary>
/// One resolved AWS context: credentials, region and per-service endpoints, and the typed clients built on them.
/// Create it with <see cref="CreateAsync"/>; it fails early, with one clear message, when credentials or region are missing.
/// </summary>
public sealed class AwsSession : IDisposable
{
    private const string CredentialsHelp =
        "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), " +
        "or configure a profile with `aws configure` (SSO: `aws configure sso` then `aws sso login`) and select it with AWS_PROFILE.";

    private const string RegionHelp =
        "Set AWS_REGION (for example `export AWS_REGION=us-east-1`), or add `region = ...` to your profile in ~/.aws/config.";

    private readonly HttpClient _http;
    private readonly AwsCallSettings _settings;
    private readonly Dictionary<AwsService, object> _clients = [];
    private readonly Lock _gate = new();

    private AwsSession(AwsSessionOptions options, RegionEndpoint region, AWSCredentials credentials, AwsRetryOptions retry)
    {
        Options = options;
        Region = region;
        Credentials = credentials;
        Retry = retry;
        _http = AwsHttpTransport.CreateHttpClient(retry);
        _settings = new AwsCallSettings(credentials, retry, options.OnRetry);
    }

    /// <summary>The options the session was created with.</summary>
    public AwsSessionOptions Options { get; }

    /// <summary>The resolved region.</summary>
    public RegionEndpoint Region { get; }

    /// <summary>The resolved credentials (refreshed by the SDK when they are temporary).</summary>
    public AWSCredentials Credentials { get; }

    /// <summary>The effective retry options (AWS_MAX_ATTEMPTS applied).</summary>
    public AwsRetryOptions Retry { get; }

    /// <summary>How far the local clock is from AWS's, as learned from a clock-skew error (zero until one happens).</summary>
    public TimeSpan ClockOffset => _settings.ClockOffset;

    /// <summary>The ECS client.</summary>
    public EcsClient Ecs => Client(AwsService.Ecs, i => new EcsClient(i));

    /// <summary>The ELBv2 (Application Load Balancer) client.</summary>
    public ElbV2Client ElbV2 => Client(AwsService.ElasticLoadBalancingV2, i => new ElbV2Client(i));

    /// <summary>The ECR client.</summary>
    public EcrClient Ecr => Client(AwsService.Ecr, i => new EcrClient(i));

    /// <summary>The IAM client.</summary>
    public IamClient Iam => Client(AwsService.Iam, i => new IamClient(i));

    /// <summary>The CloudWatch Logs client.</summary>
    public CloudWatchLogsClient Logs => Client(AwsService.CloudWatchLogs, i => new CloudWatchLogsClient(i));

    /// <summary>The Application Auto Scaling client.</summary>
    public ApplicationAutoScalingClient AutoScaling => Client(AwsService.ApplicationAutoScaling, i => new ApplicationAutoScalingClient(i));

    /// <summary>The Secrets Manager client.</summary>
    public SecretsManagerClient SecretsManager => Client(AwsService.SecretsManager, i => new SecretsManagerClient(i));

    /// <summary>The Cloud Map client.</summary>
    public ServiceDiscoveryClient ServiceDiscovery => Client(AwsService.ServiceDiscovery, i => new ServiceDiscoveryClient(i));

    /// <summary>The ACM (certificates) client.</summary>
    public AcmClient Acm => Client(AwsService.Acm, i => new AcmClient(i));

    /// <summary>The Route 53 (DNS) client.</summary>
    public Route53Client Route53 => Client(AwsService.Route53, i => new Route53Client(i));

    /// <summary>The EC2 client (networking: VPCs, subnets, security groups).</summary>
    public Ec2Client Ec2 => Client(AwsService.Ec2, _ => new Ec2Client(this));

    /// <summary>The STS client (caller identity).</summary>
    public StsClient Sts => Client(AwsService.Sts, _ => new StsClient(this));

    /// <summary>
    /// Resolves credentials and region and returns a session. Credentials are fetched once here, so an expired SSO
    /// login or a missing profile fails now rather than at the first call.
    /// </summary>
    /// <param name="options">Where to look; defaults read the real environment.</param>
    /// <param name="cancellationToken">Cancels resolution.</param>
    /// <returns>The session.</returns>
    /// <exception cref="AwsApiException">No credentials (<see cref="AwsApiException.NoCredentialsCode"/>) or no
    /// region (<see cref="AwsApiException.NoRegionCode"/>), with what was tried and how to fix it.</exception>
    public static async Task<AwsSession> CreateAsync(AwsSessionOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AwsSessionOptions();
        var region = ResolveRegion(options);
        var credentials = await ResolveCredentialsAsync(options, cancellationToken).ConfigureAwait(false);
        var retry = options.Retry;
        if (int.TryParse(options.Environment.Get("AWS_MAX_ATTEMPTS"), out var maxAttempts) && maxAttempts > 0)
        {
            retry = retry with { MaxAttempts = maxAttempts };
        }

        return new AwsSession(options, region, credentials, retry);
    }

    /// <summary>
    /// The endpoint for a service: <see cref="AwsSessionOptions.EndpointUrl"/>, else AWS_ENDPOINT_URL_&lt;SERVICE_ID&gt;,
    /// else AWS_ENDPOINT_URL (both ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), else the service's
    /// public endpoint for the region (IAM and Route 53: their global endpoint).
    /// </summary>
    /// <param name="service">The service.</param>
    /// <returns>The endpoint URI.</returns>
    public Uri ResolveEndpoint(AwsService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (ConfiguredEndpoint(service) is { } configured)
        {
            return configured;
        }

        var suffix = DnsSuffix(Region.SystemName);
        if (service.IsGlobal)
        {
            return Region.SystemName switch
            {
                var r when r.StartsWith("cn-", StringComparison.Ordinal) && service == AwsService.Route53 => new Uri($"https://{service.EndpointPrefix}.{suffix}/"),
                var r when r.StartsWith("cn-", StringComparison.Ordinal) => new Uri($"https://{service.EndpointPrefix}.cn-north-1.{suffix}/"),
                var r when r.StartsWith("us-gov-", StringComparison.Ordinal) => new Uri($"https://{service.EndpointPrefix}.us-gov.{suffix}/"),
                _ => new Uri($"https://{service.EndpointPrefix}.{suffix}/"),
            };
        }

        return new Uri($"https://{service.EndpointPrefix}.{Region.SystemName}.{suffix}/");
    }

    /// <summary>The region requests to a service are signed for (IAM and Route 53: their partition's global signing region).</summary>
    /// <param name="service">The service.</param>
    /// <returns>The signing region.</returns>
    public RegionEndpoint SigningRegion(AwsService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (!service.IsGlobal)
        {
            return Region;
        }

        return Region.SystemName switch
        {
            var r when r.StartsWith("cn-", StringComparison.Ordinal) => service == AwsService.Route53 ? RegionEndpoint.CNNorthWest1 : RegionEndpoint.CNNorth1,
            var r when r.StartsWith("us-gov-", StringComparison.Ordinal) => RegionEndpoint.USGovCloudWest1,
            _ => RegionEndpoint.USEast1,
        };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var client in _clients.Values.OfType<IDisposable>())
            {
                client.Dispose();
            }

            _clients.Clear();
        }

        _http.Dispose();
    }

    /// <summary>The endpoint set by options or environment for a service, or null when the public one applies.</summary>
    internal Uri? ConfiguredEndpoint(AwsService service)
    {
        if (Options.EndpointUrl is not null)
        {
            return Options.EndpointUrl;
        }

        var env = Options.Environment;
        if (string.Equals(env.Get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var variable = env.Get(service.EndpointVariable) is not null ? service.EndpointVariable : "AWS_ENDPOINT_URL";
        var value = env.Get(variable);
        if (value is null)
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new AwsApiException(service.DisplayName, "ResolveEndpoint", "InvalidEndpoint",
                $"{variable}='{value}' is not an absolute http(s) URL.");
    }

    internal AwsServiceInvoker CreateInvoker(AwsService service) =>
        new(service, ResolveEndpoint(service), SigningRegion(service), _settings, _http);

    private T Client<T>(AwsService service, Func<AwsServiceInvoker, T> create)
        where T : class
    {
        lock (_gate)
        {
            if (!_clients.TryGetValue(service, out var client))
            {
                client = create(CreateInvoker(service));
                _clients[service] = client;
            }

            return (T)client;
        }
    }

    private static string DnsSuffix(string region) => region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";

    private static RegionEndpoint ResolveRegion(AwsSessionOptions options)
    {
        var env = options.Environment;
        var name = options.Region ?? env.Get("AWS_REGION") ?? env.Get("AWS_DEFAULT_REGION");
        if (name is null && env.IsProcess)
        {
            try
            {
                FallbackRegionFactory.Reset();
                name = FallbackRegionFactory.GetRegionEndpoint()?.SystemName;
            }
            catch (AmazonClientException)
            {
                name = null;
            }
        }

        if (name is null)
        {
            var tried = env.IsProcess
                ? "the Region option, AWS_REGION, AWS_DEFAULT_REGION, the profile's region (AWS_PROFILE or 'default' in AWS_CONFIG_FILE or ~/.aws/config) and EC2 instance metadata"
                : "the Region option, AWS_REGION and AWS_DEFAULT_REGION of the given environment";
            throw new AwsApiException("AWS", "ResolveRegion", AwsApiException.NoRegionCode, $"No AWS region is configured. Tried {tried}. {RegionHelp}");
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z]{2,4}(-[a-z]+)+-\\d+$"))
        {
            throw new AwsApiException("AWS", "ResolveRegion", AwsApiException.NoRegionCode, $"'{name}' is not an AWS region name (expected something like us-east-1). {RegionHelp}");
        }

        return RegionEndpoint.GetBySystemName(name);
    }

    private static async Task<AWSCredentials> ResolveCredentialsAsync(AwsSessionOptions options, CancellationToken cancellationToken)
    {
        if (options.Credentials is not null)
        {
            return options.Credentials;
        }

        var env = options.Environment;
        if (!env.IsProcess)
        {
            var (key, secret, token) = (env.Get("AWS_ACCESS_KEY_ID"), env.Get("AWS_SECRET_ACCESS_KEY"), env.Get("AWS_SESSION_TOKEN"));
            if (key is null || secret is null)
            {
                throw new AwsApiException("AWS", "ResolveCredentials", AwsApiException.NoCredentialsCode,
                    $"No AWS credentials found. Tried the Credentials option and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of the given environment. {CredentialsHelp}");
            }

            return token is null ? new BasicAWSCredentials(key, secret) : new SessionAWSCredentials(key, secret, token);
        }

        try
        {
            var credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
            await credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return credentials;
        }
        catch (Exception ex) when (ex is AmazonClientException or AmazonServiceException or HttpRequestException or InvalidOperationException or IOException)
        {
            throw new AwsApiException("AWS", "ResolveCredentials", AwsApiException.NoCredentialsCode,
                "No usable AWS credentials found. Tried, in order: environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), " +
                "web identity (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), the shared credentials and config files " +
                "(profile AWS_PROFILE or 'default', including SSO; AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), ECS container credentials " +
                $"(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI) and EC2 instance metadata. {CredentialsHelp} Details: {ex.Message}",
                innerException: ex);
        }
    }
}

using Amazon.Runtime;

namespace Aspire.Deployer.Aws;

/// <summary>How an <see cref="AwsSession"/> finds its credentials, region and endpoints, and how it retries.</summary>
public sealed record AwsSessionOptions
{
    /// <summary>The region; when null, AWS_REGION, AWS_DEFAULT_REGION, the profile's region and instance metadata are tried in that order.</summary>
    public string? Region { get; init; }

    /// <summary>Explicit credentials; when null, the SDK's standard chain is used (environment, web identity,
    /// profiles including SSO, container and instance roles).</summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>An endpoint for every service (e.g. a local emulator); wins over AWS_ENDPOINT_URL_* and AWS_ENDPOINT_URL.</summary>
    public Uri? EndpointUrl { get; init; }

    /// <summary>Where variables are read; <see cref="AwsEnvironment.Process"/> by default.</summary>
    public AwsEnvironment Environment { get; init; } = AwsEnvironment.Process;

    /// <summary>Retry behaviour; AWS_MAX_ATTEMPTS from <see cref="Environment"/> overrides <see cref="AwsRetryOptions.MaxAttempts"/> when set.</summary>
    public AwsRetryOptions Retry { get; init; } = new();

    /// <summary>Called before each retry (for progress reporting: "ECS DescribeServices throttled, retrying in 0.4 s").</summary>
    public Action<AwsRetryEvent>? OnRetry { get; init; }
}

/// <summary>Bounded retries with exponential backoff and full jitter.</summary>
public sealed record AwsRetryOptions
{
    /// <summary>Attempts per call, the first included (default 5).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The backoff before the second attempt; doubles per attempt, jittered over [0, delay] (default 200 ms).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The cap on one backoff (default 20 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long one attempt may take before it counts as a (retryable) timeout (default 60 s).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long opening a connection may take (default 10 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

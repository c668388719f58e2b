using System.Net;

namespace Aspire.Deployer.Aws;

/// <summary>Which failures are retried, and how long to wait before the next attempt.</summary>
internal static class AwsRetryPolicy
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };

    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "InternalServerError",
        "ServiceUnavailable", "ServiceUnavailableException", "ServerException", "ServiceException",
        "IDPCommunicationError",
    };

    public static bool IsThrottlingCode(string? code) => code is not null && ThrottlingCodes.Contains(code);

    /// <summary>True when an error answer is worth another attempt: throttling, transient codes, 5xx, 429.</summary>
    public static bool IsRetryable(int status, string? code) =>
        IsThrottlingCode(code)
        || (code is not null && TransientCodes.Contains(code))
        || status is (int)HttpStatusCode.TooManyRequests or >= 500;

    /// <summary>Full jitter: uniform in [0, min(max, base * 2^(attempt-1))].</summary>
    public static TimeSpan Backoff(AwsRetryOptions options, int attempt)
    {
        var ceiling = options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        ceiling = Math.Min(ceiling, options.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}

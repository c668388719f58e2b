using Amazon.Runtime;

namespace Aspire.Deployer.Aws;

/// <summary>One retry about to happen: what failed, which attempt it was, and how long the client waits.</summary>
/// <param name="Service">The service's display name.</param>
/// <param name="Operation">The operation.</param>
/// <param name="Attempt">The attempt that failed (1 for the first).</param>
/// <param name="Delay">The backoff before the next attempt.</param>
/// <param name="Error">The failure of that attempt.</param>
public sealed record AwsRetryEvent(string Service, string Operation, int Attempt, TimeSpan Delay, AwsApiException Error);

/// <summary>What every call of a session shares: credentials, retry policy, clock correction and retry observer.</summary>
internal sealed class AwsCallSettings(AWSCredentials credentials, AwsRetryOptions retry, Action<AwsRetryEvent>? onRetry)
{
    private long _clockOffsetTicks;

    public AWSCredentials Credentials => credentials;

    public AwsRetryOptions Retry => retry;

    public Action<AwsRetryEvent>? OnRetry => onRetry;

    /// <summary>Server time minus local time, learned from a clock-skew error; applied to every signature.</summary>
    public TimeSpan ClockOffset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _clockOffsetTicks));
        set => Interlocked.Exchange(ref _clockOffsetTicks, value.Ticks);
    }

    public DateTime SigningTime => DateTime.UtcNow + ClockOffset;
}

namespace Aspire.Deployer.Aws;

/// <summary>
/// Makes the AWS calls made inside it single-attempt, for a caller that retries itself because it has to look at
/// AWS between attempts: a create AWS does not make idempotent may have been carried out although its answer was
/// lost (a 5xx, a timeout), and sending it again would make a second resource.
/// </summary>
public static class AwsAttemptScope
{
    private static readonly AsyncLocal<bool> Single = new();

    /// <summary>True inside <see cref="SingleAttempt"/>: the transport sends each call once.</summary>
    internal static bool IsSingleAttempt => Single.Value;

    /// <summary>Starts a scope, ended by disposing it, in which every call is sent once and never retried.</summary>
    /// <returns>The scope.</returns>
    public static IDisposable SingleAttempt()
    {
        var previous = Single.Value;
        Single.Value = true;
        return new Scope(previous);
    }

    private sealed class Scope(bool previous) : IDisposable
    {
        public void Dispose() => Single.Value = previous;
    }
}

using System.Text.RegularExpressions;

namespace Aspire.Deployer.Aws;

/// <summary>One AWS call as the call log saw it: sent once (retries of throttling and 5xx included), succeeded or not.</summary>
/// <param name="Service">The service's display name, e.g. <c>ECS</c>.</param>
/// <param name="Operation">The operation, e.g. <c>CreateService</c>.</param>
/// <param name="Succeeded">False when it ended in an error (the resource may still have been made: a lost answer).</param>
public sealed record AwsCall(string Service, string Operation, bool Succeeded)
{
    /// <summary>True for an operation that changes AWS (Create, Put, Register, Update, Delete, Tag, ...).</summary>
    public bool IsMutating => AwsCallLog.IsMutating(Operation);

    /// <inheritdoc />
    public override string ToString() => $"{Service} {Operation}{(Succeeded ? "" : " (failed)")}";
}

/// <summary>
/// Records the AWS calls made inside a scope (the async flow that started it), so a verb can say exactly how many
/// changing calls it made, and which, even when it fails half way. Every client of <see cref="AwsSession"/> reports
/// here; nothing is recorded outside a scope.
/// </summary>
public sealed partial class AwsCallLog : IDisposable
{
    private static readonly AsyncLocal<AwsCallLog?> CurrentLog = new();
    private readonly AwsCallLog? _outer;
    private readonly List<AwsCall> _calls = [];
    private readonly Lock _gate = new();

    private AwsCallLog(AwsCallLog? outer) => _outer = outer;

    /// <summary>Every call recorded so far, in order.</summary>
    public IReadOnlyList<AwsCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The changing calls recorded so far, in order.</summary>
    public IReadOnlyList<AwsCall> MutatingCalls => [.. Calls.Where(c => c.IsMutating)];

    /// <summary>Starts recording; dispose to stop. Scopes nest: an inner scope's calls count in the outer one too.</summary>
    public static AwsCallLog Start()
    {
        var log = new AwsCallLog(CurrentLog.Value);
        CurrentLog.Value = log;
        return log;
    }

    /// <summary>True for an operation whose name says it changes AWS.</summary>
    /// <param name="operation">E.g. <c>DescribeServices</c> (false) or <c>UpdateService</c> (true).</param>
    public static bool IsMutating(string operation) => MutatingPrefix().IsMatch(operation);

    /// <inheritdoc />
    public void Dispose()
    {
        if (CurrentLog.Value == this)
        {
            CurrentLog.Value = _outer;
        }
    }

    internal static void Record(AwsService service, string operation, bool succeeded)
    {
        var call = new AwsCall(service.DisplayName, operation, succeeded);
        for (var log = CurrentLog.Value; log is not null; log = log._outer)
        {
            lock (log._gate)
            {
                log._calls.Add(call);
            }
        }
    }

    [GeneratedRegex("^(Create|Put|Register|Request|Update|Delete|Deregister|Attach|Detach|Modify|Tag|Untag|Add|Remove|Set|Authorize|Revoke|Start|Stop|Run|Change|Restore)")]
    private static partial Regex MutatingPrefix();
}

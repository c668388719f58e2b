using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Aspire.Deployer.Verbs;
using Aspire.Hosting;

namespace Aspire.Deployer.Hosting;

/// <summary>What a failed step prints, once: what failed (with its details), the AWS error code when AWS refused, and what to do.</summary>
/// <param name="Headline">One line: <c>"{Verb} failed: ..."</c>.</param>
/// <param name="Details">Further lines (validation problems, the deploy summary), already indented.</param>
/// <param name="AwsErrorCode">The AWS error code, when an AWS call failed.</param>
/// <param name="Advice">What to do about it.</param>
internal sealed record FailureReport(string Headline, IReadOnlyList<string> Details, string? AwsErrorCode, string Advice)
{
    /// <summary>The report as the lines it prints (one log entry).</summary>
    public string ToText()
    {
        var lines = new List<string> { Headline };
        lines.AddRange(Details);
        if (AwsErrorCode is not null && !Headline.Contains(AwsErrorCode, StringComparison.Ordinal))
        {
            lines.Add($"  AWS error code: {AwsErrorCode}");
        }

        lines.Add($"  What to do: {Advice}");
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>
/// Thrown by a step after its failure was printed: Aspire marks the step failed (the CLI exits non-zero) and the
/// publish-mode console formatter leaves out Aspire's own repetitions of it. Carries no inner exception, so nothing
/// prints a stack trace of it unless asked.
/// </summary>
internal sealed class StepFailedException(string verb)
    : DistributedApplicationException("the reason and what to do are printed above")
{
    /// <summary>What failed, e.g. "Deploy".</summary>
    public string Verb { get; } = verb;

    /// <summary>True when <paramref name="exception"/> or one it wraps is a <see cref="StepFailedException"/>.</summary>
    public static bool IsIn(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is StepFailedException || (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsIn)))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// The one table from a failure to what is printed. Entries are tried in order (put a more specific type first);
/// a new failure type is one more line here. Anything not listed is reported as unexpected, with its type.
/// </summary>
internal static class StepFailures
{
    private static readonly (Type Type, Func<Exception, string, FailureReport> Describe)[] Table =
    [
        Entry<DeploymentValidationException>((e, verb) => new(
            $"{verb} failed: the deployment is not valid; nothing was changed.",
            [.. e.Problems.Select(p => "  - " + p)], null,
            "Fix each problem listed (a setting under Aws, or the AppHost), then run it again.")),
        Entry<DeployFailedException>((e, verb) => new(
            $"{verb} failed: {e.Message}",
            [.. e.Summary.ToLines().Select(l => "  " + l)], (e.InnerException as AwsApiException)?.ErrorCode,
            e.InnerException is AwsApiException aws ? AwsAdvice(aws)
            : e.Summary.Diagnosis is { Count: > 0 } ? "Fix the cause the diagnosis names (each with its fix above), then deploy again: a rerun converges; aws-rollback returns to the previous revision meanwhile."
            : "Read the reasons above, fix the cause and deploy again: a rerun converges.")),
        Entry<DeploymentWaitException>((e, verb) => new(
            $"{verb} failed: {e.Message}", [.. e.Diagnosis.SelectMany(d => d.ToLines()).Select(l => "  " + l)], null,
            "Fix the cause the diagnosis names, then run it again.")),
        Entry<RollbackRefusedException>((e, verb) => new($"{verb} refused: {e.Message}", [], null,
            "Nothing was changed. Deploy the release you want instead, or set Aws:RollbackTo to an ACTIVE revision.")),
        Entry<DestroyException>((e, verb) => new(
            $"{verb} failed: {e.Message}", [], e.ErrorCode ?? (e.InnerException as AwsApiException)?.ErrorCode,
            e.InnerException is AwsApiException aws ? AwsAdvice(aws) : "Run destroy again: what was removed stays removed, the rest is found by its tags.")),
        Entry<ImagePipelineException>((e, verb) => new(
            $"{verb} failed: {e.Message}", [], null,
            "Nothing was pushed and no AWS resource was changed; fix the image as the message says and run it again.")),
        Entry<AwsApiException>((e, verb) => new($"{verb} failed: {e.Message}", [], e.ErrorCode, AwsAdvice(e))),
        Entry<OperationCanceledException>((_, verb) => new(
            $"{verb} cancelled.", [], null, "Run it again: everything is found by its name and tags, so a rerun converges.")),
        Entry<IOException>((e, verb) => new($"{verb} failed: {e.Message}", [], null, "Check the path and that it is writable.")),
        Entry<UnauthorizedAccessException>((e, verb) => new($"{verb} failed: {e.Message}", [], null, "Check the path's permissions.")),
    ];

    /// <summary>What to print for <paramref name="exception"/>, a failure of <paramref name="verb"/> (e.g. "Deploy").</summary>
    public static FailureReport Describe(Exception exception, string verb)
    {
        foreach (var (type, describe) in Table)
        {
            if (type.IsInstanceOfType(exception))
            {
                return describe(exception, verb);
            }
        }

        return new FailureReport($"{verb} failed unexpectedly: {exception.GetType().Name}: {exception.Message}", [], null,
            "Run it again with --log-level debug (or --include-exception-details true) for the stack trace, and report it if it persists.");
    }

    /// <summary>What to do about an AWS error, by its code.</summary>
    public static string AwsAdvice(AwsApiException e) => e.ErrorCode switch
    {
        AwsApiException.NoCredentialsCode => "Set AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).",
        AwsApiException.NoRegionCode => "Set the region (Aws:Region or AWS_REGION).",
        AwsApiException.ConnectionFailureCode or AwsApiException.RequestTimeoutCode => "Check the network and AWS_ENDPOINT_URL, then run it again.",
        var c when c.Contains("AccessDenied", StringComparison.Ordinal) || c == "UnauthorizedOperation" =>
            $"Grant the credentials in use {e.Service} {e.Operation} (read-only Describe/List/Get calls are needed to find the app's resources).",
        _ when e.IsThrottling => "AWS throttled the calls beyond the retries: wait a minute and run it again.",
        _ => "Run it again; if it persists, the AWS message above says why.",
    };

    private static (Type, Func<Exception, string, FailureReport>) Entry<T>(Func<T, string, FailureReport> describe)
        where T : Exception => (typeof(T), (e, verb) => describe((T)e, verb));
}

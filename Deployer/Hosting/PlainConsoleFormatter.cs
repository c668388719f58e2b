using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Aspire.Deployer.Hosting;

/// <summary>Options of <see cref="PlainConsoleFormatter"/>.</summary>
internal sealed class PlainConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Print an exception's full text (stack trace included) instead of its type and message.</summary>
    public bool IncludeExceptionDetails { get; set; }
}

/// <summary>
/// The console format of publish mode (<c>dotnet run --project AppHost -- --operation publish --step ...</c>): each
/// entry as its plain message, without the <c>info: Category[0]</c> header; warnings and errors say so in front. A
/// failure a step has already printed (<see cref="StepFailedException"/> in the entry's exception) is not printed
/// again: Aspire logs it three more times (the step, the pipeline, the host), with stack traces. Other exceptions
/// print as their type and message, in full with <c>--log-level debug</c> or <c>--include-exception-details true</c>.
/// </summary>
internal sealed class PlainConsoleFormatter(IOptionsMonitor<PlainConsoleFormatterOptions> options) : ConsoleFormatter(FormatterName)
{
    /// <summary>The formatter's name (<c>Logging:Console:FormatterName</c>).</summary>
    public const string FormatterName = "aws-plain";

    /// <summary>
    /// Set when a step ended on purpose because the host was asked to stop (Ctrl+C ends <c>aws-logs</c>' follow mode):
    /// the cancellation Aspire's pipeline then logs while it stops is not an error to show.
    /// </summary>
    public static bool StoppedOnPurpose { get; set; }

    /// <inheritdoc />
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var exception = logEntry.Exception;
        if (StepFailedException.IsIn(exception) || (StoppedOnPurpose && exception is OperationCanceledException))
        {
            return;
        }

        var message = logEntry.Formatter?.Invoke(logEntry.State, exception) ?? string.Empty;
        if (message.Length == 0 && exception is null)
        {
            return;
        }

        textWriter.Write(logEntry.LogLevel switch
        {
            LogLevel.Warning => "warning: ",
            LogLevel.Error => "error: ",
            LogLevel.Critical => "critical: ",
            _ => string.Empty,
        });
        textWriter.WriteLine(message);
        if (exception is not null)
        {
            textWriter.WriteLine(options.CurrentValue.IncludeExceptionDetails ? exception.ToString() : $"  {exception.GetType().Name}: {exception.Message}");
        }
    }
}

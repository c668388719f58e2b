using Aspire.Deployer.Reporting;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// The one way a pipeline step reports: progress lines through the step's logger (plain <c>dotnet run</c> and CI
/// logs print it with the publish-mode formatter, the Aspire CLI shows it under the step; writing to the step's
/// report as well would show every line twice there), and, through <see cref="RunAsync"/>, one failure path: the
/// failure printed once (<see cref="StepFailures"/>), exit code 1, the step failed for Aspire.
/// </summary>
internal sealed class StepProgress : IDeployProgress
{
    private readonly ILogger _logger;

    /// <summary>Creates the progress of one step.</summary>
    /// <param name="logger">The step's logger.</param>
    /// <param name="verbose">Whether details (full docker build output, stack traces) are wanted.</param>
    /// <param name="includeExceptionDetails">Whether Aspire's <c>--include-exception-details</c> was given.</param>
    public StepProgress(ILogger logger, bool verbose, bool includeExceptionDetails = false)
    {
        _logger = logger;
        Verbose = verbose;
        IncludeExceptionDetails = includeExceptionDetails;
    }

    /// <summary>Debug log level (<c>--log-level debug</c>, or a Debug <c>Logging:LogLevel</c>): show every detail.</summary>
    public bool Verbose { get; }

    /// <summary>Aspire's <c>--include-exception-details</c>: a failure shows its stack trace.</summary>
    public bool IncludeExceptionDetails { get; }

    /// <inheritdoc />
    public void Step(string title) => Say(LogLevel.Information, $"==> {title}");

    /// <inheritdoc />
    public void Info(string message) => Say(LogLevel.Information, message);

    /// <inheritdoc />
    public void Warn(string message) => Say(LogLevel.Warning, message);

    /// <summary>An error line (the failure path prints through it).</summary>
    /// <param name="message">The message; never contains secrets.</param>
    public void Error(string message) => Say(LogLevel.Error, message);

    /// <summary>The progress of the step <paramref name="context"/> belongs to, verbose as its log level says.</summary>
    public static StepProgress For(PipelineStepContext context)
    {
        var configuration = context.Services.GetRequiredService<IConfiguration>();
        var verbose = context.Logger.IsEnabled(LogLevel.Debug) || PipelineSwitches.IsDebug(configuration);
        return new StepProgress(context.Logger, verbose, PipelineSwitches.IncludeExceptionDetails(configuration));
    }

    /// <summary>
    /// Runs a step's body. On any failure: prints it once (what failed, the AWS error code, what to do; the stack
    /// trace only when <see cref="Verbose"/> or <see cref="IncludeExceptionDetails"/>), runs <paramref name="onFailure"/>
    /// (e.g. to write the deploy summary), sets the exit code to 1 (plain <c>dotnet run</c> exits 0 otherwise) and
    /// throws <see cref="StepFailedException"/> so Aspire fails the step.
    /// </summary>
    /// <param name="context">The step's context.</param>
    /// <param name="verb">How the failure headline names the work, e.g. "Deploy".</param>
    /// <param name="body">The step's work.</param>
    /// <param name="onFailure">Runs after the failure is printed, with the failure; its own failure is printed too.</param>
    public static async Task RunAsync(PipelineStepContext context, string verb, Func<StepProgress, Task> body, Func<StepProgress, Exception, Task>? onFailure = null)
    {
        var progress = For(context);
        try
        {
            await body(progress).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not StepFailedException)
        {
            var report = StepFailures.Describe(e, verb).ToText();
            progress.Error(progress.Verbose || progress.IncludeExceptionDetails ? $"{report}{Environment.NewLine}{e}" : report);
            Environment.ExitCode = 1;
            if (onFailure is not null)
            {
                await onFailure(progress, e).ConfigureAwait(false);
            }

            throw new StepFailedException(verb);
        }
    }

    private void Say(LogLevel level, string line) => _logger.Log(level, "{Line}", line);
}

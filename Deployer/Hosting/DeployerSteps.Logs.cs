using Aspire.Deployer.Verbs;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire.Deployer.Hosting;

internal static partial class DeployerSteps
{
    /// <summary>
    /// The logs step: the app's CloudWatch logs (every service, or <c>Aws:LogsService</c>), from <c>Aws:LogsSince</c>
    /// (default the last 10 minutes), filtered by <c>Aws:LogsFilter</c>, each line once and readable; with
    /// <c>Aws:LogsFollow=true</c> it keeps polling until interrupted (Ctrl+C ends it with exit code 0). Read-only. Needs
    /// no valid model (the app and environment then come from <c>Aws:AppName</c> / <c>Aws:Environment</c>).
    /// </summary>
    public static Task LogsAsync(PipelineStepContext context, DeployerRun run) =>
        StepProgress.RunAsync(context, "Logs", async progress =>
        {
            var settings = run.Settings(context);
            var scope = await ResolveAppScopeAsync(context, run, progress).ConfigureAwait(false);
            using var session = await OpenSessionAsync(context, settings.Region).ConfigureAwait(false);
            // Ctrl+C stops the host (ApplicationStopping) but does not cancel the step's own token: following ends on either.
            using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken,
                context.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
            var result = await LogsVerb.RunAsync(session, scope, settings.Logs, progress, interrupted.Token).ConfigureAwait(false);
            // Aspire's pipeline then stops with the host and logs a cancellation of its own: not an error here.
            PlainConsoleFormatter.StoppedOnPurpose |= result.Followed;
        });
}

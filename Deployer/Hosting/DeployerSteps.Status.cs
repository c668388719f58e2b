using Aspire.Deployer.Verbs;
using Aspire.Hosting.Pipelines;

namespace Aspire.Deployer.Hosting;

internal static partial class DeployerSteps
{
    /// <summary>
    /// The status step: the app's services (state, running/desired/pending tasks, rollout state, task definition
    /// revision), target health, URL and the last <c>Aws:StatusEvents</c> service events, with read-only calls; says
    /// clearly when nothing is deployed. Fails the step (exit code 1) when the settings are wrong or AWS cannot be read.
    /// </summary>
    public static Task StatusAsync(PipelineStepContext context, DeployerRun run) =>
        StepProgress.RunAsync(context, "Status", async progress =>
        {
            var settings = run.Settings(context);
            var scope = await ResolveAppScopeAsync(context, run, progress).ConfigureAwait(false);
            using var session = await OpenSessionAsync(context, settings.Region).ConfigureAwait(false);
            var report = await StatusVerb.RunAsync(session, scope, settings.StatusEvents ?? StatusVerb.DefaultEventCount, context.CancellationToken).ConfigureAwait(false);
            foreach (var line in report.ToLines())
            {
                progress.Info(line);
            }
        });
}

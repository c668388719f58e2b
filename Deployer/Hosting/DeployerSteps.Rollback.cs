using System.Globalization;
using Aspire.Deployer.Verbs;
using Aspire.Hosting.Pipelines;

namespace Aspire.Deployer.Hosting;

internal static partial class DeployerSteps
{
    /// <summary>
    /// The rollback step: puts the app's services (or <c>Aws:RollbackService</c>) back on the task definition revision
    /// before the one they run, or on <c>Aws:RollbackTo</c>, prints what changed, and waits as a deploy does (rollout
    /// COMPLETED, targets healthy; a diagnosis when it fails). Refuses, changing nothing, when there is no earlier
    /// revision. Fails the step (exit code 1) on any error.
    /// </summary>
    public static Task RollbackAsync(PipelineStepContext context, DeployerRun run) =>
        StepProgress.RunAsync(context, "Rollback", async progress =>
        {
            var settings = run.Settings(context);
            var scope = await ResolveAppScopeAsync(context, run, progress).ConfigureAwait(false);
            using var session = await OpenSessionAsync(context, settings.Region).ConfigureAwait(false);
            var started = run.Clock.Elapsed;
            var services = await RollbackVerb.RunAsync(session, scope, settings.Rollback, progress, context.CancellationToken).ConfigureAwait(false);
            progress.Step("Summary");
            progress.Info(string.Create(CultureInfo.InvariantCulture,
                $"Rollback succeeded: {scope.App} ({scope.Environment}) after {(run.Clock.Elapsed - started).TotalSeconds:0.#} s."));
            foreach (var service in services)
            {
                progress.Info($"  {service.Resource}: {service.From} -> {service.To}" +
                    (service.State is { } s ? string.Create(CultureInfo.InvariantCulture, $", {s.RunningCount}/{s.DesiredCount} running") : ""));
            }

            progress.Info($"A deploy of the current source goes forward again (run {AwsEcsEnvironmentResource.PlanStep} to see what it would change).");
        });
}

using Aspire.Deployer.Engine;
using Aspire.Deployer.Network;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Verbs;
using Aspire.Hosting.Pipelines;

namespace Aspire.Deployer.Hosting;

internal static partial class DeployerSteps
{
    /// <summary>
    /// The plan step: what a deploy would create, update or replace, computed from the model and what exists in
    /// AWS with read-only calls, what it will cost a month and how long its rollout should take. Prints the plan, writes it as JSON to <c>Aws:PlanFile</c> when set, and fails the
    /// step (exit code 1) when the settings, the model, the network or an AWS call fails.
    /// </summary>
    public static Task PlanAsync(PipelineStepContext context, DeployerRun run) =>
        StepProgress.RunAsync(context, "Plan", async progress =>
        {
            var deployment = await run.DeploymentAsync(context).ConfigureAwait(false);
            var settings = run.Settings(context).Plan;
            using var session = await OpenSessionAsync(context, settings.Region).ConfigureAwait(false);
            var plan = await PlanVerb.RunAsync(session, deployment, settings.Network, images: null, context.CancellationToken).ConfigureAwait(false);
            var deploy = run.Settings(context).Deploy;
            var report = PlanReport.Of(plan, settings.Cost, deploy.Wait, deploy.Propagation.IamSettle);
            foreach (var line in report.ToLines())
            {
                progress.Info(line);
            }

            if (settings.PlanFile is { } file)
            {
                var path = Path.GetFullPath(file);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, report.ToJson(), context.CancellationToken).ConfigureAwait(false);
                progress.Info($"Plan written to {path}");
            }
        });
}

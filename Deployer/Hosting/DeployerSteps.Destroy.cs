using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Verbs;
using Aspire.Hosting.Pipelines;

namespace Aspire.Deployer.Hosting;

internal static partial class DeployerSteps
{
    /// <summary>
    /// The destroy step: removes everything tagged for the app and environment, in reverse dependency order, with a
    /// line per resource and a summary; says "Nothing to destroy" (and changes nothing) when nothing is left. Needs
    /// no valid model and no parameter values: the app and environment come from <c>Aws:AppName</c> /
    /// <c>Aws:Environment</c>; wrong settings are refused all the same. Fails the step (exit code 1) with the AWS
    /// error code and what to do.
    /// </summary>
    public static Task DestroyAsync(PipelineStepContext context, DeployerRun run) =>
        StepProgress.RunAsync(context, "Destroy", async progress =>
        {
            var settings = run.Settings(context);
            var scope = await ResolveAppScopeAsync(context, run, progress).ConfigureAwait(false);
            using var session = await OpenSessionAsync(context, settings.Region).ConfigureAwait(false);
            var result = await DestroyVerb.RunAsync(session, scope, progress, settings.Destroy, context.CancellationToken).ConfigureAwait(false);
            if (result.IsIncomplete)
            {
                progress.Warn("Destroy left some resources in place on purpose (see above): they are not this app's or hold what is not.");
            }
        });

    // Without a model, the front door's domain, zone and configured hosts still say where its DNS records are.
    private static FrontDoorScope? FrontDoorOf(AwsSettings settings) => settings.FrontDoor is { } door
        ? new FrontDoorScope(door.Domain, door.HostedZoneId,
            [door.Domain, .. settings.Services.Values.Select(v => FrontDoor.NormalizeHost(v.GetValueOrDefault(nameof(EcsServiceOptions.Host)))).OfType<string>()])
        : null;

    private const string AppNameKey = AwsSettings.SectionName + ":" + nameof(AwsSettings.AppName);
    private const string EnvironmentKey = AwsSettings.SectionName + ":" + nameof(AwsSettings.Environment);

    /// <summary>
    /// The app and environment to act on, and the names of the model's services: from <c>Aws:AppName</c>,
    /// <c>Aws:Environment</c> and the model's resource names alone, so destroy and status work whatever else the model
    /// holds (a size Fargate refuses, a parameter without a value: destroying needs no secret). Wrong settings are
    /// refused all the same (a mistyped Aws:AppName must not destroy the default app).
    /// </summary>
    private static Task<AppScope> ResolveAppScopeAsync(PipelineStepContext context, DeployerRun run, StepProgress progress)
    {
        var settings = run.Settings(context);
        var environment = settings.EnvironmentFor(DeployerRun.AspireEnvironment(context));
        var services = ModelReader.DeployableResourceNames(context.Model).Select(name => new AwsNames(settings.App, environment, name)).ToList();
        progress.Info($"Acting on app '{settings.App}', environment '{environment}' ({AppNameKey} / {EnvironmentKey}); resources are found by their tags.");
        return Task.FromResult(new AppScope(settings.App, environment, services, FrontDoorOf(settings)));
    }
}

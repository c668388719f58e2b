using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Settings;
using Aspire.Deployer.Verbs;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire.Deployer.Hosting;

internal static partial class DeployerSteps
{
    /// <summary>
    /// The destroy step: removes everything tagged for the app and environment, in reverse dependency order, with a
    /// line per resource and a summary; says "Nothing to destroy" (and changes nothing) when nothing is left. Needs
    /// no valid model: the app and environment come from the model when it is valid, else from <c>Aws:AppName</c> /
    /// <c>Aws:Environment</c>. Fails the step (exit code 1) with the AWS error code and what to do.
    /// </summary>
    public static async Task DestroyAsync(PipelineStepContext context)
    {
        var progress = new StepProgress(context);
        try
        {
            var scope = await ResolveAppScopeAsync(context, progress).ConfigureAwait(false);
            using var session = await OpenSessionAsync(context).ConfigureAwait(false);
            var result = await DestroyVerb.RunAsync(session, scope, progress, options: null, context.CancellationToken).ConfigureAwait(false);
            if (result.IsIncomplete)
            {
                progress.Warn("Destroy left some resources in place on purpose (see above): they are not this app's or hold what is not.");
            }
        }
        catch (DestroyException e)
        {
            Environment.ExitCode = 1;
            progress.Error(e.Message);
            throw;
        }
        catch (AwsApiException e)
        {
            Environment.ExitCode = 1;
            progress.Error($"Destroy failed before removing anything: {e.Message}. {AwsFailureAdvice(e)}");
            throw;
        }
    }

    /// <summary>
    /// The status step: the app's services (state, running/desired/pending tasks, rollout state, task definition
    /// revision), target health, URL and the last <c>Aws:StatusEvents</c> (default 5) service events, with read-only
    /// calls; says clearly when nothing is deployed. Fails the step (exit code 1) when AWS cannot be read.
    /// </summary>
    public static async Task StatusAsync(PipelineStepContext context)
    {
        var progress = new StepProgress(context);
        try
        {
            var scope = await ResolveAppScopeAsync(context, progress).ConfigureAwait(false);
            var configuration = context.Services.GetRequiredService<IConfiguration>();
            var events = configuration.GetValue<int?>("Aws:StatusEvents") ?? StatusVerb.DefaultEventCount;
            using var session = await OpenSessionAsync(context).ConfigureAwait(false);
            var report = await StatusVerb.RunAsync(session, scope, events, context.CancellationToken).ConfigureAwait(false);
            foreach (var line in report.ToLines())
            {
                progress.Info(line);
            }
        }
        catch (AwsApiException e)
        {
            Environment.ExitCode = 1;
            progress.Error($"Status failed: {e.Message}. {AwsFailureAdvice(e)}");
            throw;
        }
    }

    /// <summary>
    /// The app and environment to act on: the model's when it is valid; otherwise (so a user can always destroy)
    /// <c>Aws:AppName</c> and <c>Aws:Environment</c> with the same defaults the model reader uses.
    /// </summary>
    private static async Task<AppScope> ResolveAppScopeAsync(PipelineStepContext context, StepProgress progress)
    {
        var configuration = context.Services.GetRequiredService<IConfiguration>();
        var hostEnvironment = context.Services.GetRequiredService<IHostEnvironment>();
        try
        {
            var deployment = await ModelReader.ReadAsync(context.Model, context.ExecutionContext, configuration,
                hostEnvironment.EnvironmentName, context.CancellationToken).ConfigureAwait(false);
            return AppScope.From(deployment);
        }
        catch (DeploymentValidationException e)
        {
            var section = configuration.GetSection(ModelReader.Section);
            var scope = new AppScope(section["AppName"] ?? "aspire-app", section["Environment"] ?? hostEnvironment.EnvironmentName.ToLowerInvariant());
            progress.Warn($"The model is not valid ({e.Problems.Count} problem(s), e.g. {e.Problems[0]}); acting on app '{scope.App}', " +
                          $"environment '{scope.Environment}' from Aws:AppName / Aws:Environment, finding resources by their tags.");
            return scope;
        }
    }

    private static string AwsFailureAdvice(AwsApiException e) => e.ErrorCode switch
    {
        AwsApiException.NoCredentialsCode => "Set AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).",
        AwsApiException.NoRegionCode => "Set the region (Aws:Region or AWS_REGION).",
        AwsApiException.ConnectionFailureCode or AwsApiException.RequestTimeoutCode => "Check the network and AWS_ENDPOINT_URL, then run it again.",
        var c when c.Contains("AccessDenied", StringComparison.Ordinal) || c == "UnauthorizedOperation" =>
            $"Grant the credentials in use {e.Service} {e.Operation} (read-only Describe/List/Get calls are needed to find the app's resources).",
        _ => "Run it again; if it persists, the AWS message above says why.",
    };
}

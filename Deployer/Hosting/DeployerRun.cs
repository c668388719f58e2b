using System.Diagnostics;
using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// What the steps of one pipeline run share: the settings, bound once; the model, read and validated once (the
/// images step and the deploy step that depends on it see the same description); and the images the images step
/// published, which the deploy step deploys. One per environment resource, so one per AppHost run.
/// </summary>
internal sealed class DeployerRun
{
    private readonly Lock _gate = new();
    private AwsSettings? _settings;
    private Task<DeploymentDescription>? _deployment;

    /// <summary>Time since the first step asked for the settings: the deploy's duration in its summary.</summary>
    public Stopwatch Clock { get; } = new();

    /// <summary>The images the images step published, by resource; null until it has run.</summary>
    public IReadOnlyDictionary<string, PublishedImage>? Images { get; set; }

    /// <summary>The settings, when they have been bound without a problem; else null.</summary>
    public AwsSettings? BoundSettings
    {
        get
        {
            lock (_gate)
            {
                return _settings;
            }
        }
    }

    /// <summary>The deployment, when it has been read and is valid; else null.</summary>
    public DeploymentDescription? ValidDeployment
    {
        get
        {
            lock (_gate)
            {
                return _deployment is { IsCompletedSuccessfully: true } read ? read.Result : null;
            }
        }
    }

    /// <summary>The settings, bound and checked on first use (against the model's resources).</summary>
    /// <exception cref="DeploymentValidationException">A setting is wrong; nothing was called.</exception>
    public AwsSettings Settings(PipelineStepContext context)
    {
        lock (_gate)
        {
            Clock.Start();
            return _settings ??= AwsSettings.Bind(context.Services.GetRequiredService<IConfiguration>(), ModelReader.DeployableResourceNames(context.Model));
        }
    }

    /// <summary>The deployment, read and validated on first use; a failure is remembered and thrown to every step that asks.</summary>
    /// <exception cref="DeploymentValidationException">The settings or the model are not valid; nothing was called.</exception>
    public Task<DeploymentDescription> DeploymentAsync(PipelineStepContext context)
    {
        var settings = Settings(context);
        lock (_gate)
        {
            return _deployment ??= ModelReader.ReadAsync(context.Model, context.ExecutionContext, settings,
                context.Services.GetRequiredService<IHostEnvironment>().EnvironmentName, context.CancellationToken,
                context.Services.GetRequiredService<IConfiguration>());
        }
    }

    /// <summary>The Aspire environment name (<c>Production</c> under <c>aspire deploy</c>, the launch profile's under <c>dotnet run</c>).</summary>
    public static string AspireEnvironment(PipelineStepContext context) =>
        context.Services.GetRequiredService<IHostEnvironment>().EnvironmentName;

    /// <summary>
    /// True when this run deploys (<c>--step aws-deploy</c> or <c>--step deploy</c>, which <c>aspire deploy</c>
    /// passes): the images step then reports a failure as the deploy's and writes the deploy's summary.
    /// </summary>
    public static bool IncludesDeploy(PipelineStepContext context) =>
        PipelineSwitches.TargetsDeploy(context.Services.GetRequiredService<IConfiguration>(), AwsEcsEnvironmentResource.DeployStep);
}

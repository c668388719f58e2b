using System.Diagnostics;
using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;

namespace Aspire.Deployer.Verbs;

/// <summary>
/// The deploy verb: plan (with the pushed images), print the plan, apply it, wait until every service is steady and
/// healthy, and summarize. A deploy with nothing to change says "No changes." and makes no mutating call.
/// </summary>
public static class DeployVerb
{
    /// <summary>Deploys.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="deployment">The validated deployment (validated again before any call).</param>
    /// <param name="images">The image by digest per Aspire resource (from the image pipeline); every service needs one.</param>
    /// <param name="settings">Network and wait settings.</param>
    /// <param name="progress">Where the plan, the changes, the events and the summary go.</param>
    /// <param name="cancellationToken">Cancels the deploy; a rerun converges.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="DeploymentValidationException">The deployment or the network is not valid; nothing was changed.</exception>
    /// <exception cref="DeployFailedException">Applying or waiting failed; its summary says what is known.</exception>
    public static async Task<DeploySummary> RunAsync(
        AwsSession session,
        DeploymentDescription deployment,
        IReadOnlyDictionary<string, string> images,
        DeploySettings settings,
        IDeployProgress progress,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);

        EnsureValid(deployment, images);
        var clock = Stopwatch.StartNew();
        // Events a little older than this deploy (clocks differ) are shown too: they are what the deploy started.
        var startedAt = DateTimeOffset.UtcNow.AddSeconds(-5);
        progress.Step("Plan");
        var plan = await PlanVerb.RunAsync(session, deployment, settings.Network, images, cancellationToken).ConfigureAwait(false);
        var report = PlanReport.Of(plan, settings.Cost, settings.Wait, settings.Propagation.IamSettle);
        foreach (var line in report.ToLines())
        {
            progress.Info(line);
        }

        using var calls = AwsCallLog.Start();
        var applied = new ApplyContext(session, plan, progress, cancellationToken) { Propagation = settings.Propagation };
        IReadOnlyList<ServiceState>? states = null;
        var rollout = Stopwatch.StartNew();
        try
        {
            states = await ApplyAndWaitAsync(applied, deployment, settings, startedAt, rollout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AwsApiException or DeployApplyException or DeploymentWaitException or InvalidOperationException)
        {
            throw new DeployFailedException(Summarize(plan, deployment, images, applied, calls, states, clock.Elapsed, e.Message)
                with { Cost = report.Cost, Rollout = Rollout(report, null), Diagnosis = (e as DeploymentWaitException)?.Diagnosis }, e);
        }

        var summary = Summarize(plan, deployment, images, applied, calls, states, clock.Elapsed, null)
            with { Cost = report.Cost, Rollout = Rollout(report, rollout.Elapsed) };
        progress.Step("Summary");
        foreach (var line in summary.ToLines())
        {
            progress.Info(line);
        }

        return summary;
    }

    // Apply, wait until steady and healthy (switching listeners as new target groups get healthy), clean up.
    private static async Task<IReadOnlyList<ServiceState>> ApplyAndWaitAsync(
        ApplyContext applied, DeploymentDescription deployment, DeploySettings settings, DateTimeOffset startedAt, Stopwatch rollout)
    {
        var (plan, progress) = (applied.Plan, applied.Progress!);
        progress.Step("Apply");
        if (!plan.HasChanges)
        {
            progress.Info("No changes.");
        }

        await Applier.ApplyAsync(applied).ConfigureAwait(false);
        progress.Step("Wait until steady and healthy");
        var states = await new DeploymentWaiter(applied.Session, progress)
            .WaitAsync(WaitTargets(deployment, applied), settings.Wait, applied.CancellationToken, startedAt, applied.Switches).ConfigureAwait(false);
        rollout.Stop(); // the rollout ends when every service is healthy; the cleanup is not part of it
        if (applied.AfterRollout.Count > 0 || plan.Changes.Any(c => c.Action == ChangeAction.Delete))
        {
            progress.Step("Clean up what the rollout replaced");
            await Applier.CleanupAsync(applied).ConfigureAwait(false);
        }

        return states;
    }

    private static void EnsureValid(DeploymentDescription deployment, IReadOnlyDictionary<string, string> images)
    {
        DeploymentValidator.EnsureValid(deployment);
        var missing = deployment.Services.Where(s => s.IsBuilt && !images.ContainsKey(s.Names.Resource)).Select(s => s.Names.Resource).ToList();
        if (missing.Count > 0)
        {
            throw new DeploymentValidationException([.. missing.Select(m => $"{m}: no pushed image; the image step must publish it before the deploy.")]);
        }
    }

    // The rollout's predicted time and, once it finished, the measured one (from the first change to healthy).
    private static RolloutTime? Rollout(PlanReport report, TimeSpan? measured) => report.Forecast is { RollsOut: true } forecast
        ? new RolloutTime(Math.Round(forecast.TotalSeconds), measured is { } m ? Math.Round(m.TotalSeconds, 1) : null, forecast)
        : null;

    private static List<WaitTarget> WaitTargets(DeploymentDescription deployment, ApplyContext applied) =>
        [.. deployment.Services.Select(s => new WaitTarget(
            s.Names.Resource,
            s.Names.Cluster,
            s.Names.Service,
            applied.TryId(TaskDefinitionKind.Instance, s.Names.TaskFamily) ?? throw new InvalidOperationException($"{s.Names.Resource}: no task definition after apply."),
            applied.TryId(TargetGroupKind.Instance, TargetGroupKind.NameOf(s, applied.Desired.Network.VpcId))))];

    /// <summary>A service's URL: on the front door <c>https://&lt;host&gt;&lt;path prefix&gt;</c>, else <see cref="Url(ServiceDescription, string)"/>.</summary>
    /// <param name="deployment">The deployment.</param>
    /// <param name="service">The service.</param>
    /// <param name="loadBalancerDns">The load balancer's DNS name.</param>
    public static string Url(DeploymentDescription deployment, ServiceDescription service, string loadBalancerDns)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return deployment.FrontDoor is { } door ? door.RouteOf(service).Url : Url(service, loadBalancerDns);
    }

    /// <summary>A service's URL: <c>http(s)://&lt;load balancer DNS&gt;:&lt;listener port&gt;</c>.</summary>
    /// <param name="service">The service.</param>
    /// <param name="loadBalancerDns">The load balancer's DNS name.</param>
    public static string Url(ServiceDescription service, string loadBalancerDns)
    {
        ArgumentNullException.ThrowIfNull(service);
        var scheme = service.Options.CertificateArn is null ? "http" : "https";
        return string.Create(CultureInfo.InvariantCulture, $"{scheme}://{loadBalancerDns}:{service.ListenerPort}");
    }

    /// <summary>Where the services that call <paramref name="service"/> reach it: its Service Connect address (the one Aspire's variables hold); null when nothing calls it.</summary>
    /// <param name="service">The service.</param>
    /// <param name="deployment">The deployment (who calls whom).</param>
    public static string? InternalUrl(ServiceDescription service, DeploymentDescription deployment)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(deployment);
        return deployment.IsCalled(service) && service.Ports.Count > 0
            ? string.Join(", ", service.Ports.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Scheme}://{service.Names.ServiceConnectName}:{p.ContainerPort}")))
            : null;
    }

    private static DeploySummary Summarize(
        DeploymentPlan plan, DeploymentDescription deployment, IReadOnlyDictionary<string, string> images, ApplyContext applied,
        AwsCallLog calls, IReadOnlyList<ServiceState>? states, TimeSpan elapsed, string? error)
    {
        var dns = deployment.Services.Count == 0 ? null
            : applied.Address(LoadBalancerKind.Instance, deployment.Services[0].Names.LoadBalancer);
        return new DeploySummary(
            deployment.App,
            deployment.Environment,
            plan.Region,
            plan.Account,
            error is null ? "succeeded" : "failed",
            error,
            plan.Counts.ToDictionary(c => c.Key.ToString().ToLowerInvariant(), c => c.Value),
            calls.MutatingCalls.Count,
            Math.Round(elapsed.TotalSeconds, 1),
            [.. deployment.Services.Select(s =>
            {
                var state = states?.FirstOrDefault(x => x.Resource == s.Names.Resource);
                return new DeployedService(
                    s.Names.Resource,
                    s.IsLoadBalanced && dns is not null ? Url(deployment, s, dns) : null,
                    images.GetValueOrDefault(s.Names.Resource) ?? s.ImageReference,
                    applied.TryId(TaskDefinitionKind.Instance, s.Names.TaskFamily),
                    state?.RunningCount,
                    state?.DesiredCount,
                    state?.HealthyTargets)
                {
                    InternalUrl = InternalUrl(s, deployment),
                };
            })],
            Applier.Describe(applied));
    }
}

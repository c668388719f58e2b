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

        DeploymentValidator.EnsureValid(deployment);
        var missing = deployment.Services.Where(s => !images.ContainsKey(s.Names.Resource)).Select(s => s.Names.Resource).ToList();
        if (missing.Count > 0)
        {
            throw new DeploymentValidationException([.. missing.Select(m => $"{m}: no pushed image; the image step must publish it before the deploy.")]);
        }

        var clock = Stopwatch.StartNew();
        // Events a little older than this deploy (clocks differ) are shown too: they are what the deploy started.
        var startedAt = DateTimeOffset.UtcNow.AddSeconds(-5);
        progress.Step("Plan");
        var plan = await PlanVerb.RunAsync(session, deployment, settings.Network, images, cancellationToken).ConfigureAwait(false);
        foreach (var line in plan.ToLines())
        {
            progress.Info(line);
        }

        using var calls = AwsCallLog.Start();
        var applied = new ApplyContext(session, plan, progress, cancellationToken) { Propagation = settings.Propagation };
        IReadOnlyList<ServiceState>? states = null;
        try
        {
            states = await ApplyAndWaitAsync(applied, deployment, settings, startedAt).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AwsApiException or DeployApplyException or DeploymentWaitException or InvalidOperationException)
        {
            throw new DeployFailedException(Summarize(plan, deployment, images, applied, calls, states, clock.Elapsed, e.Message), e);
        }

        var summary = Summarize(plan, deployment, images, applied, calls, states, clock.Elapsed, null);
        progress.Step("Summary");
        foreach (var line in summary.ToLines())
        {
            progress.Info(line);
        }

        return summary;
    }

    // Apply, wait until steady and healthy (switching listeners as new target groups get healthy), clean up.
    private static async Task<IReadOnlyList<ServiceState>> ApplyAndWaitAsync(ApplyContext applied, DeploymentDescription deployment, DeploySettings settings, DateTimeOffset startedAt)
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
        if (applied.AfterRollout.Count > 0 || plan.Changes.Any(c => c.Action == ChangeAction.Delete))
        {
            progress.Step("Clean up what the rollout replaced");
            await Applier.CleanupAsync(applied).ConfigureAwait(false);
        }

        return states;
    }

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
                    dns is not null ? Url(deployment, s, dns) : null,
                    images.GetValueOrDefault(s.Names.Resource),
                    applied.TryId(TaskDefinitionKind.Instance, s.Names.TaskFamily),
                    state?.RunningCount,
                    state?.DesiredCount,
                    state?.HealthyTargets);
            })],
            Applier.Describe(applied));
    }
}

using System.Globalization;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;

namespace Aspire.Deployer.Timing;

/// <summary>
/// Predicts a plan's rollout (<see cref="RolloutForecast"/>). The steps of a rolling update, 100/200 % (ECS
/// Developer Guide, "Deploy Amazon ECS services by replacing tasks"): ECS starts the new tasks; each is registered in
/// the target group and is healthy after <c>HealthyThresholdCount</c> consecutive passing checks, one every
/// <c>HealthCheckIntervalSeconds</c> (ELB User Guide, "Health checks for your target groups"); then ECS deregisters the
/// old tasks, the load balancer drains each for the deregistration delay (ELB User Guide, "Deregistration delay"), ECS
/// stops them (SIGTERM, SIGKILL after the stop timeout: UpdateService API reference), and the deployment becomes
/// COMPLETED. A first deploy has no old tasks, but waits for a new load balancer to become active.
/// </summary>
public static class RolloutForecaster
{
    /// <summary>Estimate: one AWS API change (a create or update) takes about a second with its reads and retries.</summary>
    public const double SecondsPerChange = 1;

    /// <summary>
    /// Estimate: Fargate provisioning a task's network interface and pulling a small (~100 MB) image; AWS documents no
    /// figure (the AWS News Blog on Seekable OCI, 2023, puts the image pull at 76 % of a container's start).
    /// </summary>
    public const double TaskLaunchSeconds = 30;

    /// <summary>Estimate: a new Application Load Balancer leaving <c>provisioning</c>; AWS documents no figure, users report 2-5 minutes (hashicorp/terraform#24799).</summary>
    public const double LoadBalancerProvisioningSeconds = 180;

    /// <summary>Assumed time to healthy on Fargate when the smoke test did not measure the image in this run.</summary>
    public static readonly TimeSpan AssumedStartup = TimeSpan.FromSeconds(5);

    /// <summary>Estimate: an old task exits after SIGTERM (node-app exits at once with no request in flight, at most its drain bound).</summary>
    public const double OldTaskStopSeconds = 2;

    /// <summary>Estimate: ECS marks the deployment COMPLETED once the old tasks stopped.</summary>
    public const double CompletedSeconds = 3;

    /// <summary>Estimate: IAM showing a new or changed role before the settle begins.</summary>
    public const double IamVisibleSeconds = 2;

    /// <summary>Predicts the rollout of <paramref name="plan"/>.</summary>
    /// <param name="plan">The plan (with its desired state).</param>
    /// <param name="wait">How the deploy polls (the last poll adds up to the fast interval).</param>
    /// <param name="iamSettle">How long the deploy lets IAM settle after it creates or changes a role (<c>Aws:IamSettleSeconds</c>); null: the default.</param>
    /// <returns>The forecast; null when the plan carries no desired state.</returns>
    public static RolloutForecast? Predict(DeploymentPlan plan, WaitOptions wait, TimeSpan? iamSettle = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(wait);
        if (plan.Desired is not { } desired)
        {
            return null;
        }

        var newBalancer = plan.Changes.Any(c => c.Kind == LoadBalancerKind.Instance && c.Action is ChangeAction.Create or ChangeAction.Replace);
        var services = desired.Deployment.Services.Select(s => ForService(plan, desired, s, newBalancer, wait)).ToList();
        // A role this run creates or changes is waited for before ECS uses it (IamRoleKind), once per deploy.
        var roles = plan.Changes.Any(c => c.Kind == IamRoleKind.Instance && c.Action is ChangeAction.Create or ChangeAction.Update or ChangeAction.Replace);
        var settle = roles ? IamVisibleSeconds + (iamSettle ?? new PropagationOptions().IamSettle).TotalSeconds : 0;
        return new RolloutForecast(plan.Changes.Count(c => c.IsMutation) * SecondsPerChange, services, settle);
    }

    private static ServiceForecast ForService(DeploymentPlan plan, DesiredState desired, ServiceDescription service, bool newBalancer, WaitOptions wait)
    {
        var resource = service.Names.Resource;
        var group = desired.OfType<TargetGroupSpec>().FirstOrDefault(g => g.Owner == resource);
        var ecs = plan.Changes.FirstOrDefault(c => c.Kind == EcsServiceKind.Instance && c.Owner == resource);
        var definition = plan.Changes.FirstOrDefault(c => c.Kind == TaskDefinitionKind.Instance && c.Owner == resource);
        if (ecs?.Action is ChangeAction.Create or ChangeAction.Replace)
        {
            return new ServiceForecast(resource, RolloutKind.FirstDeploy, FirstDeploy(service, group, newBalancer, wait));
        }

        var newTasks = definition?.Action is ChangeAction.Create or ChangeAction.Update
            || (ecs?.Changes ?? []).Any(c => StartsDeployment.Any(p => c.Property.StartsWith(p, StringComparison.Ordinal)));
        if (newTasks)
        {
            return new ServiceForecast(resource, RolloutKind.RollingUpdate, RollingUpdate(service, group, wait));
        }

        // Planned before the image step: an unchanged definition may still get a new image.
        var imageUnknown = desired.OfType<TaskDefinitionSpec>().Any(t => t.Owner == resource && t.Container.Image is null);
        return new ServiceForecast(resource, RolloutKind.None, [], imageUnknown && ecs is not null ? RollingUpdate(service, group, wait) : null);
    }

    // What UpdateService starts a new deployment for (the plan's property names of the ECS service kind).
    private static readonly string[] StartsDeployment =
        ["task definition", "subnets", "security group", "public IP", "target group", "load balanced container", "load balanced port"];

    private static List<TimelineStep> RollingUpdate(ServiceDescription service, TargetGroupSpec? group, WaitOptions wait)
    {
        var steps = Start(service, group);
        var drain = group?.Attributes.GetValueOrDefault(TargetGroupKind.DeregistrationDelayAttribute) is { } text
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? seconds : 300;
        steps.Add(new("the old tasks are deregistered and drain", drain,
            $"deregistration delay {drain:0} s, from the app's drain bound {ServiceDefaults.ServiceContract.GracefulShutdownVariable}; ELB's default is 300 s"));
        steps.Add(new("the old tasks stop", OldTaskStopSeconds, "estimate: SIGTERM, the app exits within its drain bound"));
        steps.Add(Completed(wait));
        return steps;
    }

    private static List<TimelineStep> FirstDeploy(ServiceDescription service, TargetGroupSpec? group, bool newBalancer, WaitOptions wait)
    {
        var steps = Start(service, group);
        if (newBalancer && group is not null)
        {
            // The tasks start while the load balancer is provisioned; health checks begin once it is active.
            var started = TaskLaunchSeconds + StartupSeconds(service);
            steps.Insert(2, new("the new load balancer becomes active", Math.Max(0, LoadBalancerProvisioningSeconds - started),
                string.Create(CultureInfo.InvariantCulture, $"estimate {LoadBalancerProvisioningSeconds:0} s (users report 2-5 minutes), overlapping the task's start")));
        }

        steps.Add(Completed(wait));
        return steps;
    }

    // The new tasks start, answer their health path, and the load balancer counts them healthy.
    private static List<TimelineStep> Start(ServiceDescription service, TargetGroupSpec? group)
    {
        var startup = StartupSeconds(service);
        var steps = new List<TimelineStep>
        {
            new("ECS starts the new tasks (network interface, image pull)", TaskLaunchSeconds, "estimate for a ~100 MB image; AWS documents no figure"),
            new("the app answers its health path", startup, service.MeasuredStartup is { } measured
                ? string.Create(CultureInfo.InvariantCulture, $"smoke test {measured.TotalSeconds:0.0} s × {1024.0 / Math.Clamp(service.Size.Cpu, 128, 1024):0.##} for {service.Size.Cpu} CPU units")
                : string.Create(CultureInfo.InvariantCulture, $"assumed {AssumedStartup.TotalSeconds:0} s: not measured in this run")),
        };
        if (group is not null)
        {
            var check = group.HealthCheck;
            steps.Add(new("registered in the target group; the first probe", check.IntervalSeconds, $"within one health-check interval ({check.IntervalSeconds} s)"));
            steps.Add(new($"healthy after {check.HealthyThreshold} passing probes", check.HealthyThreshold * check.IntervalSeconds,
                $"healthy threshold {check.HealthyThreshold} × interval {check.IntervalSeconds} s; ELB's defaults (5 × 30 s) take 150 s"));
        }

        return steps;
    }

    private static double StartupSeconds(ServiceDescription service) => service.MeasuredStartup is { } measured
        ? Math.Round(RolloutTimings.ExpectedStartOnFargate(measured, service.Size.Cpu).TotalSeconds, 1)
        : AssumedStartup.TotalSeconds;

    private static TimelineStep Completed(WaitOptions wait) => new("ECS reports the rollout COMPLETED; the deploy sees it",
        CompletedSeconds + Math.Min(wait.FastPollInterval.TotalSeconds, wait.PollInterval.TotalSeconds) / 2,
        string.Create(CultureInfo.InvariantCulture, $"estimate {CompletedSeconds:0} s, plus half the {Math.Min(wait.FastPollInterval.TotalSeconds, wait.PollInterval.TotalSeconds):0.#} s poll"));
}

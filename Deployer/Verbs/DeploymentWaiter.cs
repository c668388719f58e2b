using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Settings;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;

namespace Aspire.Deployer.Verbs;

/// <summary>One service to wait for.</summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="Cluster">Its cluster.</param>
/// <param name="Service">The ECS service name.</param>
/// <param name="TaskDefinitionArn">The revision the deploy rolled out (a PRIMARY deployment of another one means a rollback).</param>
/// <param name="TargetGroupArn">Its target group, or null.</param>
public sealed record WaitTarget(string Resource, string Cluster, string Service, string TaskDefinitionArn, string? TargetGroupArn);

/// <summary>What a service looked like when the wait ended.</summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="RunningCount">Tasks running.</param>
/// <param name="DesiredCount">Tasks wanted.</param>
/// <param name="HealthyTargets">Healthy targets (null when not checked).</param>
public sealed record ServiceState(string Resource, int RunningCount, int DesiredCount, int? HealthyTargets);

/// <summary>The deployment did not become steady and healthy; the message says why (stopped tasks, unhealthy targets, a rollback).</summary>
public sealed class DeploymentWaitException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, with the reasons found.</param>
    public DeploymentWaitException(string message) : base(message)
    {
    }
}

/// <summary>
/// Waits until every service's rollout is COMPLETED, its running count equals its desired count and every target of
/// its target group is healthy, streaming new service events meanwhile. Fails fast on a FAILED rollout or a circuit
/// breaker rollback, and after the timeout; either way with the reasons ECS and ELB give (stopped tasks'
/// stoppedReason, unhealthy targets' reason). Read-only calls only.
/// </summary>
/// <param name="session">The AWS session.</param>
/// <param name="progress">Where events and progress go.</param>
public sealed class DeploymentWaiter(AwsSession session, IDeployProgress progress)
{
    private readonly HashSet<string> _seenEvents = new(StringComparer.Ordinal);
    private DateTimeOffset? _eventsSince;

    /// <summary>Waits for all <paramref name="targets"/>.</summary>
    /// <param name="targets">The services.</param>
    /// <param name="options">Timeout, poll interval, target health.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <param name="eventsSince">Service events from this time on are shown (the deploy's start); null: only those that appear while waiting.</param>
    /// <returns>Each service's final state.</returns>
    /// <exception cref="DeploymentWaitException">A rollout failed or rolled back, or the timeout passed.</exception>
    /// <param name="switches">Listener switches to make once a service's new target group has healthy targets; the wait
    /// is not over until they are made.</param>
    public async Task<IReadOnlyList<ServiceState>> WaitAsync(
        IReadOnlyList<WaitTarget> targets, WaitOptions options, CancellationToken cancellationToken = default, DateTimeOffset? eventsSince = null,
        IReadOnlyList<TargetSwitch>? switches = null)
    {
        _eventsSince = eventsSince;
        var pendingSwitches = (switches ?? []).ToList();
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.RequireHealthyTargets)
        {
            progress.Warn("Not waiting for healthy load balancer targets (Aws:WaitForHealthyTargets=false): only for emulators that never health-check.");
        }

        var started = DateTimeOffset.UtcNow;
        var deadline = started + options.Timeout;
        var first = true;
        while (true)
        {
            var states = new List<ServiceState>();
            var pending = new List<string>();
            await SwitchWhenHealthyAsync(pendingSwitches, options, cancellationToken).ConfigureAwait(false);
            pending.AddRange(pendingSwitches.Select(s => $"{s.Resource}: {s.What.Replace("switched", "switch", StringComparison.Ordinal)} once it has healthy targets"));
            foreach (var target in targets)
            {
                var (state, why) = await CheckAsync(target, options, first, cancellationToken).ConfigureAwait(false);
                states.Add(state);
                if (why is not null)
                {
                    pending.Add($"{target.Resource}: {why}");
                }
            }

            first = false;
            if (pending.Count == 0)
            {
                return states;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                var reasons = new List<string>();
                foreach (var target in targets)
                {
                    reasons.AddRange(await ReasonsAsync(target, cancellationToken).ConfigureAwait(false));
                }

                throw new DeploymentWaitException(
                    $"The deployment did not become steady and healthy within {options.Timeout.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture)} minutes (Aws:DeployTimeoutMinutes): " +
                    string.Join("; ", pending) + Reasons(reasons));
            }

            progress.Info($"waiting: {string.Join("; ", pending)}");
            await Task.Delay(options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    // Makes each switch whose target group has a healthy target (at once when target health is not checked).
    private async Task SwitchWhenHealthyAsync(List<TargetSwitch> switches, WaitOptions options, CancellationToken ct)
    {
        foreach (var candidate in switches.ToList())
        {
            if (options.RequireHealthyTargets)
            {
                var health = await session.ElbV2.DescribeTargetHealthAsync(new Elb.DescribeTargetHealthRequest { TargetGroupArn = candidate.TargetGroupArn }, ct).ConfigureAwait(false);
                if (!(health.TargetHealthDescriptions ?? []).Any(t => t.TargetHealth?.State == "healthy"))
                {
                    continue;
                }
            }

            await candidate.Action().ConfigureAwait(false);
            progress.Info(candidate.What);
            switches.Remove(candidate);
        }
    }

    private static string Reasons(List<string> reasons) => reasons.Count == 0 ? "" : ". Why: " + string.Join("; ", reasons.Distinct(StringComparer.Ordinal));

    // (state, null) when the service is done; (state, what it waits for) otherwise; throws when it failed.
    private async Task<(ServiceState State, string? Waiting)> CheckAsync(WaitTarget target, WaitOptions options, bool first, CancellationToken ct)
    {
        var response = await session.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = target.Cluster, Services = [target.Service] }, ct).ConfigureAwait(false);
        var service = response.Services?.FirstOrDefault(s => s.ServiceName == target.Service)
            ?? throw new DeploymentWaitException($"{target.Resource}: ECS service {target.Service} was not found in cluster {target.Cluster}.");
        ShowNewEvents(target, service, first);
        await ThrowIfFailedAsync(target, service, ct).ConfigureAwait(false);

        var (running, desired) = (service.RunningCount ?? 0, service.DesiredCount ?? 0);
        var deployments = service.Deployments ?? [];
        var primary = deployments.FirstOrDefault(d => d.Status == "PRIMARY");
        var state = new ServiceState(target.Resource, running, desired, null);
        if (primary is not null && primary.RolloutState is not null && primary.RolloutState != "COMPLETED")
        {
            return (state, $"rollout {primary.RolloutState}, {running}/{desired} running");
        }

        if (deployments.Count > 1)
        {
            return (state, $"{deployments.Count} deployments active, {running}/{desired} running");
        }

        if (running != desired)
        {
            return (state, $"{running}/{desired} running");
        }

        return !options.RequireHealthyTargets || target.TargetGroupArn is null
            ? (state, null)
            : await TargetHealthAsync(target, state, ct).ConfigureAwait(false);
    }

    // Events come newest first; show the new ones oldest first.
    private void ShowNewEvents(WaitTarget target, Ecs.Service service, bool first)
    {
        foreach (var e in (service.Events ?? []).Reverse())
        {
            var recent = !first || (_eventsSince is { } since && e.CreatedAt >= since);
            if (e.Id is { } id && _seenEvents.Add(id) && recent)
            {
                progress.Info($"{target.Resource} event: {e.Message}");
            }
        }
    }

    // A FAILED rollout, or a service converging to another revision (the circuit breaker rolled back), ends the wait.
    private async Task ThrowIfFailedAsync(WaitTarget target, Ecs.Service service, CancellationToken ct)
    {
        var deployments = service.Deployments ?? [];
        var primary = deployments.FirstOrDefault(d => d.Status == "PRIMARY");
        var ours = deployments.FirstOrDefault(d => d.TaskDefinition == target.TaskDefinitionArn);
        if (ours?.RolloutState == "FAILED" || primary?.RolloutState == "FAILED")
        {
            var failed = ours?.RolloutState == "FAILED" ? ours : primary!;
            var reasons = await ReasonsAsync(target, ct).ConfigureAwait(false);
            throw new DeploymentWaitException(
                $"{target.Resource}: the deployment of {Revision(target.TaskDefinitionArn)} FAILED ({failed.RolloutStateReason ?? "no reason given"})" +
                (primary is not null && primary.TaskDefinition != target.TaskDefinitionArn ? $"; the circuit breaker rolled back to {Revision(primary.TaskDefinition)}" : "") +
                Reasons(reasons));
        }

        // The service's task definition is the revision it converges to: ECS sets it back to the last completed one
        // when the circuit breaker rolls back, so another revision there means this deploy was rolled back or replaced.
        if (service.TaskDefinition is { } serviceRevision && serviceRevision != target.TaskDefinitionArn)
        {
            var reasons = await ReasonsAsync(target, ct).ConfigureAwait(false);
            throw new DeploymentWaitException(
                $"{target.Resource}: the service runs {Revision(serviceRevision)}, not {Revision(target.TaskDefinitionArn)}: the deployment was rolled back or replaced" + Reasons(reasons));
        }
    }

    private async Task<(ServiceState State, string? Waiting)> TargetHealthAsync(WaitTarget target, ServiceState state, CancellationToken ct)
    {
        var health = await session.ElbV2.DescribeTargetHealthAsync(new Elb.DescribeTargetHealthRequest { TargetGroupArn = target.TargetGroupArn! }, ct).ConfigureAwait(false);
        var targets = (health.TargetHealthDescriptions ?? []).Where(t => t.TargetHealth?.State is not ("draining" or "unused")).ToList();
        var healthy = targets.Count(t => t.TargetHealth?.State == "healthy");
        var withHealth = state with { HealthyTargets = healthy };
        return healthy >= state.DesiredCount && healthy == targets.Count
            ? (withHealth, null)
            : (withHealth, $"{healthy}/{Math.Max(state.DesiredCount, targets.Count)} targets healthy");
    }

    // Why tasks stopped and targets are unhealthy: what a user needs to fix a failed deploy.
    private async Task<List<string>> ReasonsAsync(WaitTarget target, CancellationToken ct)
    {
        var reasons = new List<string>();
        try
        {
            var stopped = await session.Ecs.ListTasksAsync(new Ecs.ListTasksRequest
            {
                Cluster = target.Cluster,
                ServiceName = target.Service,
                DesiredStatus = Ecs.DesiredStatus.Stopped,
            }, ct).ConfigureAwait(false);
            if (stopped.TaskArns is { Count: > 0 } arns)
            {
                var tasks = await session.Ecs.DescribeTasksAsync(new Ecs.DescribeTasksRequest { Cluster = target.Cluster, Tasks = [.. arns.Take(5)] }, ct).ConfigureAwait(false);
                foreach (var task in tasks.Tasks ?? [])
                {
                    var containers = string.Join(", ", (task.Containers ?? [])
                        .Where(c => c.Reason is not null || c.ExitCode is not null)
                        .Select(c => $"{c.Name} exit {c.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "?"}{(c.Reason is null ? "" : ": " + c.Reason)}"));
                    reasons.Add($"{target.Resource} task {Arn.LastSegmentOr(task.TaskArn, "?")} stopped: {task.StoppedReason ?? task.StopCode ?? "no reason given"}" +
                        (containers.Length == 0 ? "" : $" ({containers})"));
                }
            }

            if (target.TargetGroupArn is not null)
            {
                var health = await session.ElbV2.DescribeTargetHealthAsync(new Elb.DescribeTargetHealthRequest { TargetGroupArn = target.TargetGroupArn }, ct).ConfigureAwait(false);
                reasons.AddRange((health.TargetHealthDescriptions ?? [])
                    .Where(t => t.TargetHealth?.State is not null and not "healthy")
                    .Select(t => $"{target.Resource} target {t.Target?.Id}: {t.TargetHealth!.State} ({t.TargetHealth.Reason}: {t.TargetHealth.Description})"));
            }
        }
        catch (AwsApiException e)
        {
            reasons.Add($"could not read the reasons: {e.Message}");
        }

        return reasons;
    }

    private static string Revision(string? arn) => Arn.LastSegmentOr(arn, "(none)");
}

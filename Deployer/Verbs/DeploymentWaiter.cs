using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Diagnosis;
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

/// <summary>The deployment did not become steady and healthy; the message says what, <see cref="Diagnosis"/> why.</summary>
public sealed class DeploymentWaitException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public DeploymentWaitException(string message) : this(message, [])
    {
    }

    /// <summary>Creates the exception with the diagnosis of the services that failed.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="diagnosis">Why, per service: stopped tasks, exit codes, log lines, unhealthy targets, known causes and fixes.</param>
    public DeploymentWaitException(string message, IReadOnlyList<ServiceDiagnosis> diagnosis) : base(message)
    {
        Diagnosis = diagnosis;
    }

    /// <summary>Why the services failed.</summary>
    public IReadOnlyList<ServiceDiagnosis> Diagnosis { get; }
}

/// <summary>
/// Waits until every service's rollout is COMPLETED, its running count equals its desired count and every target of
/// its target group is healthy, streaming new service events meanwhile. Polls every
/// <see cref="WaitOptions.PollInterval"/>, and every <see cref="WaitOptions.FastPollInterval"/> once the new tasks run
/// (what is left, target health and the old tasks' drain, ends within seconds). Fails fast on a FAILED rollout or a
/// circuit breaker rollback, and after the timeout; either way with a diagnosis (<see cref="RolloutDiagnoser"/>:
/// stopped tasks, exit codes, their last log lines, unhealthy targets, known causes and their fixes). Read-only calls.
/// </summary>
/// <param name="session">The AWS session.</param>
/// <param name="progress">Where events and progress go.</param>
public sealed class DeploymentWaiter(AwsSession session, IDeployProgress progress)
{
    private readonly HashSet<string> _seenEvents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _events = new(StringComparer.Ordinal);
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

        var deadline = DateTimeOffset.UtcNow + options.Timeout;
        var first = true;
        while (true)
        {
            var states = new List<ServiceState>();
            await SwitchWhenHealthyAsync(pendingSwitches, options, cancellationToken).ConfigureAwait(false);
            var pending = pendingSwitches.Select(s => new Pending(s.Resource, $"{s.What.Replace("switched", "switch", StringComparison.Ordinal)} once it has healthy targets", null)).ToList();
            var nearEnd = true;
            foreach (var target in targets)
            {
                var check = await CheckAsync(target, options, first, cancellationToken).ConfigureAwait(false);
                states.Add(check.State);
                if (check.Waiting is not null)
                {
                    pending.Add(new Pending(target.Resource, check.Waiting, target));
                    nearEnd &= check.NearEnd;
                }
            }

            first = false;
            if (pending.Count == 0)
            {
                return states;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw await TimedOutAsync(pending, options, cancellationToken).ConfigureAwait(false);
            }

            progress.Info($"waiting: {string.Join("; ", pending)}");
            await Task.Delay(PollDelay(options, nearEnd), cancellationToken).ConfigureAwait(false);
        }
    }

    // What a service (or a listener switch) still waits for.
    private sealed record Pending(string Resource, string Why, WaitTarget? Target)
    {
        public override string ToString() => $"{Resource}: {Why}";
    }

    private async Task<DeploymentWaitException> TimedOutAsync(List<Pending> pending, WaitOptions options, CancellationToken ct)
    {
        var timeout = options.Timeout.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture);
        var diagnosis = new List<ServiceDiagnosis>();
        foreach (var (_, why, target) in pending.Where(p => p.Target is not null))
        {
            diagnosis.Add(await DiagnoseAsync(target!, $"not steady and healthy after {timeout} minutes ({why})", ct).ConfigureAwait(false));
        }

        return new DeploymentWaitException(
            $"The deployment did not become steady and healthy within {timeout} minutes (Aws:DeployTimeoutMinutes): {string.Join("; ", pending)}", diagnosis);
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

    /// <summary>The time to the next poll: the fast interval once every pending service's new tasks run, else the normal one.</summary>
    /// <param name="options">The wait options.</param>
    /// <param name="nearEnd">True when every pending service is in its last phase (new tasks running).</param>
    public static TimeSpan PollDelay(WaitOptions options, bool nearEnd)
    {
        ArgumentNullException.ThrowIfNull(options);
        return nearEnd && options.FastPollInterval < options.PollInterval ? options.FastPollInterval : options.PollInterval;
    }

    private Task<ServiceDiagnosis> DiagnoseAsync(WaitTarget target, string outcome, CancellationToken ct) =>
        new RolloutDiagnoser(session).DiagnoseAsync(
            new DiagnosedService(target.Resource, target.Cluster, target.Service, target.TaskDefinitionArn, target.TargetGroupArn),
            outcome, _events.GetValueOrDefault(target.Resource) ?? [], ct);

    // The service's state; what it still waits for (null: done); whether it is in its last phase. Throws when it failed.
    private async Task<(ServiceState State, string? Waiting, bool NearEnd)> CheckAsync(WaitTarget target, WaitOptions options, bool first, CancellationToken ct)
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
        // The new tasks run: what is left (target health, the old tasks' drain) takes seconds, not minutes.
        var nearEnd = primary is null || (primary.RunningCount ?? running) >= desired;
        if (primary is not null && primary.RolloutState is not null && primary.RolloutState != "COMPLETED")
        {
            return (state, $"rollout {primary.RolloutState}, {running}/{desired} running", nearEnd);
        }

        if (deployments.Count > 1)
        {
            return (state, $"{deployments.Count} deployments active, {running}/{desired} running", nearEnd);
        }

        if (running != desired)
        {
            return (state, $"{running}/{desired} running", nearEnd);
        }

        if (!options.RequireHealthyTargets || target.TargetGroupArn is null)
        {
            return (state, null, true);
        }

        var (withHealth, waiting) = await TargetHealthAsync(target, state, ct).ConfigureAwait(false);
        return (withHealth, waiting, true);
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
                if (!_events.TryGetValue(target.Resource, out var seen))
                {
                    _events[target.Resource] = seen = [];
                }

                seen.Add(e.Message ?? "");
            }
        }
    }

    // A FAILED rollout, or a service converging to another revision (the circuit breaker rolled back), ends the wait.
    private async Task ThrowIfFailedAsync(WaitTarget target, Ecs.Service service, CancellationToken ct)
    {
        var deployments = service.Deployments ?? [];
        var primary = deployments.FirstOrDefault(d => d.Status == "PRIMARY");
        var ours = deployments.FirstOrDefault(d => d.TaskDefinition == target.TaskDefinitionArn);
        string? outcome = null;
        if (ours?.RolloutState == "FAILED" || primary?.RolloutState == "FAILED")
        {
            var failed = ours?.RolloutState == "FAILED" ? ours : primary!;
            outcome = $"the deployment of {Revision(target.TaskDefinitionArn)} FAILED ({failed.RolloutStateReason ?? "no reason given"})" +
                (primary is not null && primary.TaskDefinition != target.TaskDefinitionArn ? $"; the circuit breaker rolled back to {Revision(primary.TaskDefinition)}" : "");
        }
        else if (service.TaskDefinition is { } serviceRevision && serviceRevision != target.TaskDefinitionArn)
        {
            // The service's task definition is the revision it converges to: ECS sets it back to the last completed one
            // when the circuit breaker rolls back, so another revision there means this deploy was rolled back or replaced.
            outcome = $"the service runs {Revision(serviceRevision)}, not {Revision(target.TaskDefinitionArn)}: the deployment was rolled back or replaced";
        }

        if (outcome is not null)
        {
            var diagnosis = await DiagnoseAsync(target, outcome, ct).ConfigureAwait(false);
            throw new DeploymentWaitException($"{target.Resource}: {outcome}", [diagnosis]);
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

    private static string Revision(string? arn) => Arn.LastSegmentOr(arn, "(none)");
}

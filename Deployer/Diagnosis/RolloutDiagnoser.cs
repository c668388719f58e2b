using Aspire.Deployer.Aws;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;

namespace Aspire.Deployer.Diagnosis;

/// <summary>The service whose rollout is diagnosed.</summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="Cluster">Its cluster.</param>
/// <param name="Service">The ECS service name.</param>
/// <param name="TaskDefinitionArn">The revision being rolled out (its stopped tasks are shown first).</param>
/// <param name="TargetGroupArn">Its target group, or null.</param>
public sealed record DiagnosedService(string Resource, string Cluster, string Service, string? TaskDefinitionArn, string? TargetGroupArn);

/// <summary>
/// Gathers why a rollout failed, with read-only calls: the service's recently stopped tasks (ECS keeps them for about
/// an hour) with their stop codes, reasons and each container's exit code; the last lines each of them wrote, from its
/// awslogs stream (<c>prefix/container/task-id</c> in the log group its task definition names); the target group's
/// unhealthy targets with their reason codes; then names the known causes (<see cref="KnownCauses"/>). What cannot be
/// read becomes a note: a diagnosis never hides the failure it explains.
/// </summary>
/// <param name="session">The AWS session.</param>
public sealed class RolloutDiagnoser(AwsSession session)
{
    /// <summary>How many stopped tasks a diagnosis shows (newest first, the rolled-out revision's first).</summary>
    public const int MaxTasks = 5;

    /// <summary>How many of a stopped task's last log lines it shows.</summary>
    public const int LogLines = 10;

    private readonly Dictionary<string, (string Group, string Prefix)?> _logConfigs = new(StringComparer.Ordinal);

    /// <summary>Diagnoses one service.</summary>
    /// <param name="service">The service.</param>
    /// <param name="outcome">What went wrong, in one line (a FAILED rollout, a rollback, a timeout).</param>
    /// <param name="events">The service events seen while waiting.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public async Task<ServiceDiagnosis> DiagnoseAsync(DiagnosedService service, string outcome, IReadOnlyList<string> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(events);
        var notes = new List<string>();
        var tasks = await Guard<IReadOnlyList<StoppedTask>>(notes, "the stopped tasks", () => StoppedTasksAsync(service, notes, cancellationToken)) ?? [];
        var targets = await Guard(notes, "the target health", () => TargetsAsync(service, cancellationToken)) ?? new TargetFindings([], null, null);
        var causes = KnownCauses.Find(new Evidence(tasks, targets.Unhealthy, events, targets.HealthCheckPath, targets.Port));
        return new ServiceDiagnosis(service.Resource, outcome, tasks, targets.Unhealthy, causes, notes);
    }

    private static async Task<T?> Guard<T>(List<string> notes, string what, Func<Task<T>> read) where T : class
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (AwsApiException e)
        {
            notes.Add($"could not read {what}: {e.Message}");
            return null;
        }
    }

    private async Task<IReadOnlyList<StoppedTask>> StoppedTasksAsync(DiagnosedService service, List<string> notes, CancellationToken ct)
    {
        var ecs = session.Ecs;
        var listed = await ecs.ListTasksAsync(new Ecs.ListTasksRequest { Cluster = service.Cluster, ServiceName = service.Service, DesiredStatus = Ecs.DesiredStatus.Stopped }, ct)
            .ConfigureAwait(false);
        if (listed.TaskArns is not { Count: > 0 } arns)
        {
            return [];
        }

        var described = await ecs.DescribeTasksAsync(new Ecs.DescribeTasksRequest { Cluster = service.Cluster, Tasks = [.. arns.Take(100)] }, ct).ConfigureAwait(false);
        var chosen = (described.Tasks ?? [])
            .OrderByDescending(t => t.TaskDefinitionArn == service.TaskDefinitionArn)
            .ThenByDescending(t => t.StoppedAt ?? t.CreatedAt)
            .Take(MaxTasks)
            .ToList();
        var result = new List<StoppedTask>();
        foreach (var task in chosen)
        {
            var id = Arn.LastSegmentOr(task.TaskArn, "?");
            var containers = (task.Containers ?? []).Select(c => new StoppedContainer(c.Name ?? "?", c.ExitCode, c.Reason)).ToList();
            var lines = await LastLinesAsync(task, id, notes, ct).ConfigureAwait(false);
            result.Add(new StoppedTask(id, Arn.LastSegmentOr(task.TaskDefinitionArn, "?"), task.StopCode, task.StoppedReason, task.StoppedAt, containers, lines));
        }

        return result;
    }

    // The last lines of every container of the task that wrote any: awslogs names each stream prefix/container/task-id.
    private async Task<IReadOnlyList<string>> LastLinesAsync(Ecs.AwsTask task, string taskId, List<string> notes, CancellationToken ct)
    {
        if (task.TaskDefinitionArn is not { } definition || await LogConfigAsync(definition, ct).ConfigureAwait(false) is not { } config)
        {
            return [];
        }

        var lines = new List<string>();
        foreach (var container in task.Containers ?? [])
        {
            try
            {
                var events = await session.Logs.GetLogEventsAsync(new Logs.GetLogEventsRequest
                {
                    LogGroupName = config.Group,
                    LogStreamName = $"{config.Prefix}/{container.Name}/{taskId}",
                    Limit = LogLines,
                    StartFromHead = false,
                }, ct).ConfigureAwait(false);
                lines.AddRange((events.Events ?? []).Select(e => (e.Message ?? "").TrimEnd('\r', '\n')));
            }
            catch (AwsApiException e) when (e.ErrorCode == "ResourceNotFoundException")
            {
                // No stream: the container never started (an image that could not be pulled, say).
            }
            catch (AwsApiException e)
            {
                notes.Add($"could not read the logs of task {taskId}: {e.Message}");
            }
        }

        return lines.TakeLast(LogLines).ToList();
    }

    private async Task<(string Group, string Prefix)?> LogConfigAsync(string taskDefinitionArn, CancellationToken ct)
    {
        if (!_logConfigs.TryGetValue(taskDefinitionArn, out var config))
        {
            var described = await session.Ecs.DescribeTaskDefinitionAsync(new Ecs.DescribeTaskDefinitionRequest { TaskDefinition = taskDefinitionArn }, ct).ConfigureAwait(false);
            var options = described.TaskDefinition?.ContainerDefinitions?.Select(c => c.LogConfiguration).FirstOrDefault(l => l?.LogDriver == "awslogs")?.Options;
            config = options is not null && options.TryGetValue("awslogs-group", out var group) && options.TryGetValue("awslogs-stream-prefix", out var prefix)
                ? (group, prefix)
                : null;
            _logConfigs[taskDefinitionArn] = config;
        }

        return config;
    }

    private async Task<TargetFindings> TargetsAsync(DiagnosedService service, CancellationToken ct)
    {
        if (service.TargetGroupArn is not { } arn)
        {
            return new TargetFindings([], null, null);
        }

        var health = await session.ElbV2.DescribeTargetHealthAsync(new Elb.DescribeTargetHealthRequest { TargetGroupArn = arn }, ct).ConfigureAwait(false);
        var targets = (health.TargetHealthDescriptions ?? [])
            .Where(t => t.TargetHealth?.State is not null and not "healthy")
            .Select(t => new UnhealthyTarget(t.Target?.Id ?? "?", t.TargetHealth!.State!, t.TargetHealth.Reason, t.TargetHealth.Description))
            .ToList();
        var groups = await session.ElbV2.DescribeTargetGroupsAsync(new Elb.DescribeTargetGroupsRequest { TargetGroupArns = [arn] }, ct).ConfigureAwait(false);
        var group = groups.TargetGroups?.FirstOrDefault();
        return new TargetFindings(targets, group?.HealthCheckPath, group?.Port);
    }

    private sealed record TargetFindings(IReadOnlyList<UnhealthyTarget> Unhealthy, string? HealthCheckPath, int? Port);
}

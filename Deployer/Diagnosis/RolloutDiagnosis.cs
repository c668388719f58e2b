using System.Globalization;

namespace Aspire.Deployer.Diagnosis;

/// <summary>One container of a stopped task.</summary>
/// <param name="Name">The container name.</param>
/// <param name="ExitCode">Its exit code, when it ran.</param>
/// <param name="Reason">Why it stopped, when ECS says (e.g. <c>OutOfMemoryError: Container killed due to memory usage</c>).</param>
public sealed record StoppedContainer(string Name, int? ExitCode, string? Reason);

/// <summary>A task ECS stopped, as ECS reports it, with its last log lines.</summary>
/// <param name="TaskId">The task id (the last part of its ARN, and of its log stream's name).</param>
/// <param name="Revision">Its task definition as <c>family:revision</c>.</param>
/// <param name="StopCode">ECS's stop code (<c>TaskFailedToStart</c>, <c>EssentialContainerExited</c>, <c>ServiceSchedulerInitiated</c>, ...).</param>
/// <param name="StoppedReason">ECS's reason text.</param>
/// <param name="StoppedAt">When it stopped.</param>
/// <param name="Containers">Its containers' exit codes and reasons.</param>
/// <param name="LastLogLines">The last lines its containers wrote to CloudWatch Logs (oldest first), when there are any.</param>
public sealed record StoppedTask(
    string TaskId,
    string? Revision,
    string? StopCode,
    string? StoppedReason,
    DateTimeOffset? StoppedAt,
    IReadOnlyList<StoppedContainer> Containers,
    IReadOnlyList<string> LastLogLines);

/// <summary>A target of the service's target group that is not healthy, as the load balancer reports it.</summary>
/// <param name="Id">The target (the task's IP address).</param>
/// <param name="State">unhealthy, initial, unused, draining, unavailable.</param>
/// <param name="Reason">The reason code (<c>Target.ResponseCodeMismatch</c>, <c>Target.Timeout</c>, ...).</param>
/// <param name="Description">The load balancer's explanation (<c>Health checks failed with these codes: [404]</c>).</param>
public sealed record UnhealthyTarget(string Id, string State, string? Reason, string? Description);

/// <summary>One known cause of a failed rollout, the evidence that names it and its fix.</summary>
/// <param name="Code">A short stable name (<c>CannotPullContainerError</c>, <c>HealthCheckCode</c>, ...).</param>
/// <param name="What">What happened, with the evidence (task id, exit code, status code).</param>
/// <param name="Fix">What to do about it.</param>
public sealed record Cause(string Code, string What, string Fix);

/// <summary>
/// Why one service's rollout failed or did not finish: the stopped tasks (stop codes, reasons, each container's
/// exit code, their last log lines), the unhealthy targets and their reasons, the service events seen, and one line
/// per known cause with its fix. Printed with the failure and written to the deploy summary.
/// </summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="Outcome">What went wrong with the rollout, in one line.</param>
/// <param name="StoppedTasks">The tasks ECS stopped, newest first.</param>
/// <param name="UnhealthyTargets">The targets that are not healthy.</param>
/// <param name="Causes">The known causes found, each once.</param>
/// <param name="Notes">What could not be read.</param>
public sealed record ServiceDiagnosis(
    string Resource,
    string Outcome,
    IReadOnlyList<StoppedTask> StoppedTasks,
    IReadOnlyList<UnhealthyTarget> UnhealthyTargets,
    IReadOnlyList<Cause> Causes,
    IReadOnlyList<string> Notes)
{
    /// <summary>The diagnosis as lines for people: the outcome, the causes with their fixes, then the evidence.</summary>
    public IReadOnlyList<string> ToLines()
    {
        var lines = new List<string> { $"Diagnosis of {Resource}: {Outcome}" };
        lines.AddRange(Causes.Count == 0
            ? ["  cause: none of the known causes matched; read the stopped tasks, targets and service events."]
            : Causes.SelectMany(c => new[] { $"  cause: {c.What}", $"    fix: {c.Fix}" }));
        foreach (var task in StoppedTasks)
        {
            lines.Add($"  stopped task {task.TaskId} ({task.Revision ?? "?"}): {task.StopCode ?? "no stop code"}: {task.StoppedReason ?? "no reason given"}");
            lines.AddRange(task.Containers.Select(c =>
                $"    container {c.Name}: {(c.ExitCode is { } code ? "exit " + code.ToString(CultureInfo.InvariantCulture) : "did not run")}{(c.Reason is null ? "" : ", " + c.Reason)}"));
            if (task.LastLogLines.Count > 0)
            {
                lines.Add($"    last log lines:");
                lines.AddRange(task.LastLogLines.Select(l => "      | " + l));
            }
        }

        lines.AddRange(UnhealthyTargets.Select(t => $"  target {t.Id}: {t.State}{(t.Reason is null ? "" : $" ({t.Reason}{(t.Description is null ? "" : ": " + t.Description)})")}"));
        lines.AddRange(Notes.Select(n => "  note: " + n));
        return lines;
    }
}

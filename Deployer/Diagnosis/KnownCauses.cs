using System.Globalization;
using System.Text.RegularExpressions;

namespace Aspire.Deployer.Diagnosis;

/// <summary>What the diagnosis looked at: the stopped tasks, the unhealthy targets, the service's events, and how the target group probes.</summary>
/// <param name="Tasks">The stopped tasks.</param>
/// <param name="Targets">The targets that are not healthy.</param>
/// <param name="Events">The service events seen during the rollout.</param>
/// <param name="HealthCheckPath">The path the target group probes, when known.</param>
/// <param name="ContainerPort">The port it probes, when known.</param>
public sealed record Evidence(
    IReadOnlyList<StoppedTask> Tasks,
    IReadOnlyList<UnhealthyTarget> Targets,
    IReadOnlyList<string> Events,
    string? HealthCheckPath,
    int? ContainerPort);

/// <summary>
/// The table of known causes of a failed rollout, each matched on what ECS and the load balancer report (the stop
/// codes and texts of the ECS Developer Guide's "Amazon ECS stopped task error messages", CannotPullContainerError and
/// CannotStartContainerError pages, and ELBv2's target health reason codes) and given with its fix. A new cause is one
/// more entry; the first entry that matches a piece of evidence names it.
/// </summary>
public static partial class KnownCauses
{
    private static readonly Func<Evidence, IEnumerable<Cause>>[] Table =
    [
        e => e.Tasks.Where(t => Mentions(t, "CannotPullContainerError")).Select(PullFailure),
        e => e.Tasks.Where(t => Mentions(t, "ResourceInitializationError")).Select(InitializationFailure),
        e => e.Tasks.Where(t => Mentions(t, "OutOfMemory")).Select(t => new Cause("OutOfMemory",
            $"task {t.TaskId}: a container was killed for using more memory than the task has",
            "Give the task more memory (Aws:Services:<resource>:MemoryMiB, a valid Fargate pair with Cpu), or find what grows in the app.")),
        e => e.Events.Concat(e.Tasks.Select(t => t.StoppedReason ?? "")).Where(m => m.Contains("unable to assume", StringComparison.OrdinalIgnoreCase)).Take(1).Select(m => new Cause("RoleNotAssumable",
            $"ECS could not assume a role of the task ({Short(m)})",
            "The role's trust policy must allow ecs-tasks.amazonaws.com (the deploy makes it so); a role made seconds ago may not be usable yet (IAM propagation): deploy again.")),
        e => e.Tasks.SelectMany(t => t.Containers.Where(c => ExitedAtStart(t, c)).Select(c => ExitAtStart(t, c))),
        e => e.Targets.Where(t => t.Reason == "Target.ResponseCodeMismatch").Take(1).Select(t => HealthCheckCode(t, e.HealthCheckPath)),
        e => e.Targets.Where(t => t.Reason is "Target.FailedHealthChecks" or "Target.Timeout").Take(1).Select(t => NotListening(t.Reason!, e.ContainerPort)),
        e => e.Tasks.Where(t => Mentions(t, "failed ELB health checks") || Mentions(t, "failed container health checks")).Take(1).Select(t => new Cause("HealthChecksFailed",
            $"task {t.TaskId} was stopped because it failed its health checks ({Short(t.StoppedReason)})",
            $"The app must answer 200 on {e.HealthCheckPath ?? "its health path"} on port {Port(e.ContainerPort)} within the grace period; read its last log lines above.")),
    ];

    /// <summary>Every known cause the evidence shows, each once, in the table's order.</summary>
    /// <param name="evidence">What was found.</param>
    public static IReadOnlyList<Cause> Find(Evidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var causes = new List<Cause>();
        foreach (var cause in Table.SelectMany(match => match(evidence)))
        {
            // One line per cause and kind of evidence: two tasks failing the same way are one cause.
            if (!causes.Any(c => c.Code == cause.Code && c.Fix == cause.Fix))
            {
                causes.Add(cause);
            }
        }

        return causes;
    }

    private static Cause PullFailure(StoppedTask task)
    {
        var text = Text(task);
        var what = $"task {task.TaskId} could not pull its image ({Short(Find(task, "CannotPullContainerError"))})";
        if (NoRoute().IsMatch(text))
        {
            return new Cause("CannotPullContainerError", what + ": no route from the task's subnets to the registry",
                "Tasks in public subnets need a public IP and a route to an internet gateway (the plan's network line says whether they get one); in private " +
                "subnets they need a NAT gateway, or VPC endpoints for ecr.api, ecr.dkr, S3 (gateway) and logs. Put the tasks in subnets that have the route with Aws:TaskSubnetIds, or add the route.");
        }

        if (text.Contains("not found", StringComparison.OrdinalIgnoreCase) || text.Contains("manifest unknown", StringComparison.OrdinalIgnoreCase))
        {
            return new Cause("CannotPullContainerError", what + ": the image is not in the registry",
                "Deploy again: the image step pushes the image the task definition names. With Aws:Registry, the registry must be reachable from AWS.");
        }

        return text.Contains("denied", StringComparison.OrdinalIgnoreCase) || text.Contains("403", StringComparison.Ordinal) || text.Contains("not authorized", StringComparison.OrdinalIgnoreCase)
            ? new Cause("CannotPullContainerError", what + ": the execution role may not pull it",
                "The execution role needs AmazonECSTaskExecutionRolePolicy (the deploy attaches it); for another registry, ECS needs its credentials (repositoryCredentials).")
            : new Cause("CannotPullContainerError", what,
                "Check that the image exists and that the task's subnets reach the registry (public IP and internet gateway, or NAT, or VPC endpoints).");
    }

    private static Cause InitializationFailure(StoppedTask task)
    {
        var text = Find(task, "ResourceInitializationError") ?? "";
        return text.Contains("secret", StringComparison.OrdinalIgnoreCase) || text.Contains("ssm", StringComparison.OrdinalIgnoreCase)
            ? new Cause("ResourceInitializationError", $"task {task.TaskId} could not read its secrets ({Short(text)})",
                "The execution role must be allowed to read exactly those secrets, and the subnets must reach Secrets Manager / SSM (NAT or VPC endpoints).")
            : new Cause("ResourceInitializationError", $"task {task.TaskId} could not be set up ({Short(text)})",
                "If it names the log group: the log group must exist (deploy again makes it) and the subnets must reach CloudWatch Logs (NAT or a logs VPC endpoint).");
    }

    // An essential container that ended by itself: not stopped by ECS for health checks, not killed for memory.
    private static bool ExitedAtStart(StoppedTask task, StoppedContainer container) =>
        container.ExitCode is { } code && code != 137 && code != 143
        && (task.StopCode == "EssentialContainerExited" || (task.StoppedReason ?? "").Contains("Essential container in task exited", StringComparison.OrdinalIgnoreCase));

    private static Cause ExitAtStart(StoppedTask task, StoppedContainer container) => container.ExitCode == 0
        ? new Cause("ContainerExited", $"task {task.TaskId}: container {container.Name} exited with code 0: a web service must keep running",
            "The start command finished instead of serving: check the image's CMD (node must stay in the foreground).")
        : new Cause("ContainerExited", $"task {task.TaskId}: container {container.Name} exited with code {container.ExitCode!.Value.ToString(CultureInfo.InvariantCulture)} as it started" +
            (LastMessage(task) is { } last ? $" (last: {Short(last)})" : ""),
            "Read its last log lines above; run the image with the same environment locally (`docker run`), as the smoke test does before every push.");

    private static Cause HealthCheckCode(UnhealthyTarget target, string? path)
    {
        var codes = Codes().Match(target.Description ?? "") is { Success: true } m ? m.Groups[1].Value : "another code";
        var redirect = codes.Split(',', StringSplitOptions.TrimEntries).Any(c => c.StartsWith('3'));
        var where = path ?? "the health path";
        return new Cause("HealthCheckCode", $"the load balancer's GET {where} answered {codes}, not 200 (target {target.Id})",
            redirect
                ? $"{where} redirects (a login page or a trailing-slash redirect): answer 200 there without redirecting."
                : $"Serve {where} with 200 while the app can take traffic (ServiceDefaults' ServiceContract.HealthPath is what the target group probes).");
    }

    private static Cause NotListening(string reason, int? port) => new("PortNotListening",
        $"the load balancer's health checks got no answer from the tasks on port {Port(port)} ({reason})",
        $"The app must listen on 0.0.0.0:{Port(port)} (it is given PORT); check that it does not bind to localhost only and that it answers within the check's timeout.");

    // The last log line that is not a stack frame: what the app said before it exited.
    private static string? LastMessage(StoppedTask task) =>
        task.LastLogLines.LastOrDefault(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith("at ", StringComparison.Ordinal));

    private static bool Mentions(StoppedTask task, string text) => Text(task).Contains(text, StringComparison.OrdinalIgnoreCase);

    private static string Text(StoppedTask task) => string.Join("\n", task.Containers.Select(c => c.Reason).Prepend(task.StoppedReason).OfType<string>());

    private static string? Find(StoppedTask task, string text) =>
        task.Containers.Select(c => c.Reason).Prepend(task.StoppedReason).FirstOrDefault(r => r?.Contains(text, StringComparison.OrdinalIgnoreCase) == true);

    private static string Port(int? port) => port?.ToString(CultureInfo.InvariantCulture) ?? "the container port";

    private static string Short(string? text) => text is null ? "no reason given" : text.Length > 160 ? text[..159] + "…" : text;

    [GeneratedRegex(@"i/o timeout|dial tcp|context deadline exceeded|connection (refused|reset)|no such host|network is unreachable", RegexOptions.IgnoreCase)]
    private static partial Regex NoRoute();

    [GeneratedRegex(@"codes:\s*\[([^\]]*)\]")]
    private static partial Regex Codes();
}

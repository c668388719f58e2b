using System.Globalization;
using Aspire.Deployer.Model;

namespace Aspire.Deployer.Verbs;

/// <summary>One target of a service's target group and its health as the load balancer sees it.</summary>
/// <param name="Id">The target (an IP address for Fargate tasks).</param>
/// <param name="Port">The port probed.</param>
/// <param name="State">initial, healthy, unhealthy, draining, unavailable, unused, ...</param>
/// <param name="Reason">Why, when not healthy (e.g. <c>Target.ResponseCodeMismatch</c>).</param>
/// <param name="Description">AWS's explanation of the reason.</param>
public sealed record TargetStatus(string Id, int? Port, string State, string? Reason, string? Description)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var text = Port is { } port ? $"{Id}:{port.ToString(CultureInfo.InvariantCulture)} {State}" : $"{Id} {State}";
        return Reason is null ? text : $"{text} ({Reason}{(Description is null ? "" : ": " + Description)})";
    }
}

/// <summary>One event of an ECS service.</summary>
/// <param name="At">When it happened.</param>
/// <param name="Message">What happened.</param>
public sealed record ServiceEventLine(DateTimeOffset? At, string Message)
{
    /// <inheritdoc />
    public override string ToString() => At is { } at ? $"{at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z {Message}" : Message;
}

/// <summary>The state of one ECS service of the app.</summary>
/// <param name="Name">The service name.</param>
/// <param name="Cluster">Its cluster.</param>
/// <param name="Status">ACTIVE or DRAINING.</param>
/// <param name="Running">Running tasks.</param>
/// <param name="Desired">Desired tasks.</param>
/// <param name="Pending">Pending tasks.</param>
/// <param name="TaskDefinition">The task definition the service runs, as <c>family:revision</c>.</param>
/// <param name="RolloutState">The primary deployment's rollout state (IN_PROGRESS, COMPLETED, FAILED), when reported.</param>
/// <param name="RolloutStateReason">Why the rollout is in that state, when reported.</param>
/// <param name="Deployments">How many deployments the service has (more than one: a rollout is under way).</param>
/// <param name="Targets">The targets of its target group(s) and their health.</param>
/// <param name="Url">Where the app answers: <c>http(s)://{load balancer DNS}:{listener port}</c>, when a listener forwards to it.</param>
/// <param name="Events">The most recent service events, newest first.</param>
/// <param name="Notes">Anything that could not be read (a target group that is gone, ...).</param>
public sealed record ServiceStatus(
    string Name,
    string Cluster,
    string Status,
    int Running,
    int Desired,
    int Pending,
    string? TaskDefinition,
    string? RolloutState,
    string? RolloutStateReason,
    int Deployments,
    IReadOnlyList<TargetStatus> Targets,
    string? Url,
    IReadOnlyList<ServiceEventLine> Events,
    IReadOnlyList<string> Notes);

/// <summary>What the status verb found for an app and environment.</summary>
/// <param name="Scope">The app and environment.</param>
/// <param name="Region">The AWS region looked at.</param>
/// <param name="Clusters">The app's clusters.</param>
/// <param name="Services">The app's services.</param>
public sealed record StatusReport(AppScope Scope, string Region, IReadOnlyList<string> Clusters, IReadOnlyList<ServiceStatus> Services)
{
    /// <summary>True when a cluster or service of the app exists.</summary>
    public bool IsDeployed => Clusters.Count > 0 || Services.Count > 0;

    /// <summary>The report as plain lines.</summary>
    /// <returns>The lines.</returns>
    public IReadOnlyList<string> ToLines()
    {
        var who = $"app '{Scope.App}', environment '{Scope.Environment}'";
        if (!IsDeployed)
        {
            return [$"Nothing is deployed for {who} in {Region}: no ECS cluster or service carries its tags. Deploy with `aspire deploy` (or --step deploy)."];
        }

        var lines = new List<string> { $"Status of {who} in {Region} (cluster {string.Join(", ", Clusters)}):" };
        if (Services.Count == 0)
        {
            lines.Add("  No service of the app exists in its cluster (a partial deploy or destroy?). Deploy again, or destroy to clean up.");
        }

        foreach (var s in Services)
        {
            lines.Add($"Service {s.Name}: {s.Status}, running {s.Running}/{s.Desired} desired, {s.Pending} pending");
            lines.Add($"  Task definition: {s.TaskDefinition ?? "(none)"}");
            var rollout = s.RolloutState ?? "not reported";
            lines.Add($"  Rollout (primary deployment): {rollout}{(s.RolloutStateReason is { Length: > 0 } r ? " - " + r : "")}{(s.Deployments > 1 ? $" ({s.Deployments} deployments: a rollout is under way)" : "")}");
            lines.Add($"  URL: {s.Url ?? "(no listener forwards to this service)"}");
            if (s.Targets.Count == 0)
            {
                lines.Add("  Targets: none registered");
            }
            else
            {
                lines.Add($"  Targets ({s.Targets.Count(t => t.State == "healthy")}/{s.Targets.Count} healthy):");
                lines.AddRange(s.Targets.Select(t => $"    {t}"));
            }

            lines.AddRange(s.Notes.Select(n => $"  Note: {n}"));
            lines.Add(s.Events.Count == 0 ? "  Recent events: none" : "  Recent events (newest first):");
            lines.AddRange(s.Events.Select(e => $"    {e}"));
        }

        return lines;
    }
}

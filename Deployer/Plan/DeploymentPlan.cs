using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aspire.Deployer.Plan;

/// <summary>What a deploy would do to one resource.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChangeAction>))]
public enum ChangeAction
{
    /// <summary>It does not exist: it is created.</summary>
    Create,

    /// <summary>It exists and differs in properties AWS can change in place.</summary>
    Update,

    /// <summary>It exists but differs in a property AWS cannot change: it is deleted and created again.</summary>
    Replace,

    /// <summary>It exists, was made for this app and environment, and is no longer wanted.</summary>
    Delete,

    /// <summary>It exists and matches.</summary>
    Unchanged,
}

/// <summary>One property that differs between what exists and what is wanted.</summary>
/// <param name="Property">The property, e.g. <c>retention</c>.</param>
/// <param name="Current">Its current value (null: not set).</param>
/// <param name="Desired">Its desired value (null: not set).</param>
public sealed record PropertyChange(string Property, string? Current, string? Desired)
{
    /// <inheritdoc />
    public override string ToString() => $"{Property} {Current ?? "(none)"} → {Desired ?? "(none)"}";
}

/// <summary>What a deploy would do to one resource, and why.</summary>
/// <param name="Kind">The kind of resource.</param>
/// <param name="Name">Its name.</param>
/// <param name="Owner">The Aspire resource it is made for, or null when shared.</param>
/// <param name="Action">The action.</param>
/// <param name="Changes">The properties that differ (empty for create, unchanged and delete).</param>
/// <param name="Reason">Why it is replaced (or created again, or deleted); null otherwise.</param>
/// <param name="Notes">Facts worth saying, e.g. that a new task definition revision follows a new image.</param>
/// <param name="CurrentId">The id or ARN of what exists, when something does.</param>
/// <param name="Details">For a create: the settings it is made with.</param>
public sealed record PlannedChange(
    ResourceKind Kind,
    string Name,
    string? Owner,
    ChangeAction Action,
    IReadOnlyList<PropertyChange> Changes,
    string? Reason,
    IReadOnlyList<string> Notes,
    string? CurrentId,
    string? Details)
{
    /// <summary>True when the action changes AWS.</summary>
    public bool IsMutation => Action != ChangeAction.Unchanged;
}

/// <summary>
/// The result of planning: the ordered changes (dependencies first) that would make AWS match the AppHost's model,
/// plus the desired and current state they were computed from, for the deploy to apply.
/// </summary>
/// <param name="App">The application name.</param>
/// <param name="Environment">The environment name.</param>
/// <param name="Region">The region.</param>
/// <param name="Account">The account, when known.</param>
/// <param name="Network">The network.</param>
/// <param name="Changes">The changes, in dependency order.</param>
public sealed record DeploymentPlan(
    string App,
    string Environment,
    string Region,
    string? Account,
    ResolvedNetwork Network,
    IReadOnlyList<PlannedChange> Changes)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The desired state the plan was computed from (not serialized).</summary>
    [JsonIgnore]
    public DesiredState? Desired { get; init; }

    /// <summary>The current state the plan was computed from (not serialized).</summary>
    [JsonIgnore]
    public CurrentState? Current { get; init; }

    /// <summary>True when a deploy would change anything.</summary>
    public bool HasChanges => Changes.Any(c => c.IsMutation);

    /// <summary>How many changes have each action.</summary>
    public IReadOnlyDictionary<ChangeAction, int> Counts =>
        Enum.GetValues<ChangeAction>().ToDictionary(a => a, a => Changes.Count(c => c.Action == a));

    /// <summary>"Plan: N to create, N to update, N to replace, N unchanged" (and ", N to delete" when there are deletions).</summary>
    public string Summary
    {
        get
        {
            var counts = Counts;
            var text = string.Create(CultureInfo.InvariantCulture,
                $"Plan: {counts[ChangeAction.Create]} to create, {counts[ChangeAction.Update]} to update, {counts[ChangeAction.Replace]} to replace, {counts[ChangeAction.Unchanged]} unchanged");
            return counts[ChangeAction.Delete] > 0 ? text + string.Create(CultureInfo.InvariantCulture, $", {counts[ChangeAction.Delete]} to delete") : text;
        }
    }

    /// <summary>The plan as readable lines: a header, the network, one line per resource (with its diffs), the summary.</summary>
    public IReadOnlyList<string> ToLines()
    {
        var lines = new List<string>
        {
            $"Plan for {App} ({Environment}) in {Region}{(Account is null ? "" : $", account {Account}")}",
            $"Network: {Network.Describe()}",
        };
        var width = Changes.Count == 0 ? 0 : Changes.Max(c => KindLabel(c.Kind).Length);
        foreach (var change in Changes)
        {
            var head = $"  {Symbol(change.Action)} {ActionLabel(change.Action),-9} {KindLabel(change.Kind).PadRight(width)}  {change.Name}";
            lines.Add(change.Action switch
            {
                ChangeAction.Create when change.Details is not null => $"{head}: {change.Details}",
                ChangeAction.Replace or ChangeAction.Delete when change.Reason is not null => $"{head}: {change.Reason}",
                _ => head,
            });
            lines.AddRange(change.Changes.Select(p => $"        {p}"));
            lines.AddRange(change.Notes.Select(n => $"        ({n})"));
        }

        lines.Add(HasChanges ? Summary + "." : Summary + ". Nothing to change.");
        return lines;
    }

    /// <summary>The plan as JSON (for CI), without the desired and current state.</summary>
    public string ToJson() => JsonSerializer.Serialize(new
    {
        App,
        Environment,
        Region,
        Account,
        Network = new { Network.VpcId, Network.IsDefaultVpc, Network.Subnets, Network.AssignPublicIp },
        Summary,
        HasChanges,
        Counts = Counts.ToDictionary(c => c.Key.ToString(), c => c.Value),
        Changes,
    }, Json);

    /// <summary>A short human name of a resource kind.</summary>
    public static string KindLabel(ResourceKind kind) => kind switch
    {
        ResourceKind.EcrRepository => "ECR repository",
        ResourceKind.LogGroup => "log group",
        ResourceKind.IamRole => "IAM role",
        ResourceKind.SecurityGroup => "security group",
        ResourceKind.LoadBalancer => "load balancer",
        ResourceKind.TargetGroup => "target group",
        ResourceKind.Listener => "listener",
        ResourceKind.Cluster => "ECS cluster",
        ResourceKind.TaskDefinition => "task definition",
        ResourceKind.EcsService => "ECS service",
        ResourceKind.AutoScaling => "autoscaling",
        _ => kind.ToString(),
    };

    private static string Symbol(ChangeAction action) => action switch
    {
        ChangeAction.Create => "+  ",
        ChangeAction.Update => "~  ",
        ChangeAction.Replace => "-/+",
        ChangeAction.Delete => "-  ",
        _ => "   ",
    };

    private static string ActionLabel(ChangeAction action) => action switch
    {
        ChangeAction.Create => "create",
        ChangeAction.Update => "update",
        ChangeAction.Replace => "replace",
        ChangeAction.Delete => "delete",
        _ => "unchanged",
    };
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Aspire.Deployer.Network;

namespace Aspire.Deployer.Engine;

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

    /// <summary>The model's resources that are not deployed, each with the reason (nothing is left out in silence).</summary>
    public IReadOnlyList<Model.SkippedResource> NotDeployed { get; init; } = [];

    /// <summary>What the user should know before deploying (e.g. that a container's data does not survive a restart).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

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
        var width = Changes.Count == 0 ? 0 : Changes.Max(c => c.Kind.Label.Length);
        foreach (var change in Changes)
        {
            var head = $"  {Symbol(change.Action)} {ActionLabel(change.Action),-9} {change.Kind.Label.PadRight(width)}  {change.Name}";
            lines.Add(change.Action switch
            {
                ChangeAction.Create when change.Details is not null => $"{head}: {change.Details}",
                ChangeAction.Replace or ChangeAction.Delete when change.Reason is not null => $"{head}: {change.Reason}",
                _ => head,
            });
            lines.AddRange(change.Changes.Select(p => $"        {p}"));
            lines.AddRange(change.Notes.Select(n => $"        ({n})"));
        }

        if (NotDeployed.Count > 0)
        {
            lines.Add("Not deployed (from the AppHost's model):");
            lines.AddRange(NotDeployed.Select(r => $"  {r.Name}: {r.Reason}"));
        }

        lines.AddRange(Warnings.Select(w => $"Warning: {w}"));
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
        NotDeployed,
        Warnings,
    }, Json);

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

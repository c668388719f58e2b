using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aspire.Deployer.Engine;

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

/// <summary>What a deploy would do to one resource, and why; it carries the typed desired spec and what exists, which
/// are what apply acts on (never the display text).</summary>
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
    [property: JsonConverter(typeof(ResourceKindJsonConverter))] ResourceKind Kind,
    string Name,
    string? Owner,
    ChangeAction Action,
    IReadOnlyList<PropertyChange> Changes,
    string? Reason,
    IReadOnlyList<string> Notes,
    string? CurrentId,
    string? Details)
{
    /// <summary>The desired spec (null for a deletion).</summary>
    [JsonIgnore]
    public ResourceSpec? Desired { get; init; }

    /// <summary>What exists (null for a create).</summary>
    [JsonIgnore]
    public ObservedResource? Observed { get; init; }

    /// <summary>True when the action changes AWS.</summary>
    public bool IsMutation => Action != ChangeAction.Unchanged;

    /// <summary>A create of <paramref name="desired"/>.</summary>
    /// <param name="desired">The spec.</param>
    /// <param name="notes">Notes for the plan line.</param>
    public static PlannedChange Create(ResourceSpec desired, IReadOnlyList<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(desired);
        return new PlannedChange(desired.Kind, desired.Name, desired.Owner, ChangeAction.Create, [], null, notes ?? [], null, desired.Describe())
        {
            Desired = desired,
        };
    }

    /// <summary>Update, replace or unchanged, from the differences found.</summary>
    /// <param name="desired">The spec.</param>
    /// <param name="observed">What exists.</param>
    /// <param name="diff">The differences.</param>
    public static PlannedChange FromDiff(ResourceSpec desired, ObservedResource observed, Diff diff)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(diff);
        var action = diff.ReplaceReasons.Count > 0 ? ChangeAction.Replace
            : diff.Changes.Count > 0 ? ChangeAction.Update
            : ChangeAction.Unchanged;
        var reason = action == ChangeAction.Replace ? string.Join("; ", diff.ReplaceReasons) : null;
        return new PlannedChange(desired.Kind, desired.Name, desired.Owner, action, [.. diff.Changes], reason, [.. diff.Notes], observed.Id, null)
        {
            Desired = desired,
            Observed = observed,
        };
    }

    /// <summary>A deletion of something that exists but is no longer wanted.</summary>
    /// <param name="observed">What exists.</param>
    /// <param name="reason">Why it goes.</param>
    public static PlannedChange Delete(ObservedResource observed, string reason)
    {
        ArgumentNullException.ThrowIfNull(observed);
        return new PlannedChange(observed.Spec.Kind, observed.Spec.Name, observed.Spec.Owner, ChangeAction.Delete, [], reason, [], observed.Id, null)
        {
            Observed = observed,
        };
    }

    /// <summary>
    /// This change, made an update because a resource it refers to changes identity (<paramref name="property"/> goes
    /// from <paramref name="current"/> to <paramref name="desired"/>); a create, replace or delete stays as it is.
    /// </summary>
    /// <param name="property">What refers to the other resource, e.g. "target group".</param>
    /// <param name="current">The value now.</param>
    /// <param name="desired">The value after the deploy.</param>
    public PlannedChange Touched(string property, string current, string desired) =>
        Action is ChangeAction.Create or ChangeAction.Replace or ChangeAction.Delete
            ? this
            : this with { Action = ChangeAction.Update, Changes = [.. Changes, new PropertyChange(property, current, desired)] };

    /// <summary>This change with one more note.</summary>
    /// <param name="note">The note.</param>
    public PlannedChange WithNote(string note) => this with { Notes = [.. Notes, note] };
}

/// <summary>Writes a <see cref="ResourceKind"/> as its name.</summary>
public sealed class ResourceKindJsonConverter : JsonConverter<ResourceKind>
{
    /// <inheritdoc />
    public override ResourceKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Plans are written for people and CI, not read back.");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, ResourceKind value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.Name);
    }
}

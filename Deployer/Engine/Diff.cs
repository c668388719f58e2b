using System.Globalization;

namespace Aspire.Deployer.Engine;

/// <summary>Collects, for one resource, the properties that differ, the reasons it must be replaced, and notes.</summary>
public sealed class Diff
{
    private const int MaxValueLength = 80;

    /// <summary>The properties that differ, in the order compared.</summary>
    public List<PropertyChange> Changes { get; } = [];

    /// <summary>Why AWS cannot make the change in place (empty: it can).</summary>
    public List<string> ReplaceReasons { get; } = [];

    /// <summary>Facts for the plan line.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Compares one value; <paramref name="replaceBecause"/> says why a difference forces a replacement.</summary>
    /// <param name="property">The property's name in the plan.</param>
    /// <param name="current">Its value now.</param>
    /// <param name="desired">Its value wanted.</param>
    /// <param name="replaceBecause">Null when AWS changes it in place.</param>
    public void Compare(string property, string? current, string? desired, string? replaceBecause = null)
    {
        if (string.Equals(current, desired, StringComparison.Ordinal))
        {
            return;
        }

        Changes.Add(new PropertyChange(property, Short(current), Short(desired)));
        if (replaceBecause is not null)
        {
            ReplaceReasons.Add($"{property} {current ?? "(none)"} → {desired ?? "(none)"}: {replaceBecause}");
        }
    }

    /// <summary>Compares one number.</summary>
    /// <param name="property">The property's name in the plan.</param>
    /// <param name="current">Its value now.</param>
    /// <param name="desired">Its value wanted.</param>
    /// <param name="replaceBecause">Null when AWS changes it in place.</param>
    public void Compare(string property, int? current, int? desired, string? replaceBecause = null) =>
        Compare(property, current?.ToString(CultureInfo.InvariantCulture), desired?.ToString(CultureInfo.InvariantCulture), replaceBecause);

    /// <summary>Compares a switch, shown as on/off.</summary>
    /// <param name="property">The property's name in the plan.</param>
    /// <param name="current">Its value now.</param>
    /// <param name="desired">Its value wanted.</param>
    public void Compare(string property, bool current, bool desired) =>
        Compare(property, current ? "on" : "off", desired ? "on" : "off");

    /// <summary>Compares two sets whose order does not matter; shown as the whole sets.</summary>
    /// <param name="property">The property's name in the plan.</param>
    /// <param name="current">The values now.</param>
    /// <param name="desired">The values wanted.</param>
    public void Set(string property, IEnumerable<string> current, IEnumerable<string> desired)
    {
        var (c, d) = (current.Order(StringComparer.Ordinal).ToList(), desired.Order(StringComparer.Ordinal).ToList());
        if (!c.SequenceEqual(d, StringComparer.Ordinal))
        {
            Changes.Add(new PropertyChange(property, c.Count == 0 ? null : string.Join(", ", c), d.Count == 0 ? null : string.Join(", ", d)));
        }
    }

    /// <summary>Compares two sets item by item: one change per missing item and per extra one.</summary>
    /// <param name="property">The property's name in the plan (one item).</param>
    /// <param name="current">The items now.</param>
    /// <param name="desired">The items wanted.</param>
    public void Items(string property, IEnumerable<string> current, IEnumerable<string> desired)
    {
        var (c, d) = (current.ToHashSet(StringComparer.Ordinal), desired.ToHashSet(StringComparer.Ordinal));
        Changes.AddRange(c.Except(d).Order(StringComparer.Ordinal).Select(x => new PropertyChange(property, x, null)));
        Changes.AddRange(d.Except(c).Order(StringComparer.Ordinal).Select(x => new PropertyChange(property, null, x)));
    }

    /// <summary>Compares keyed values; with <paramref name="desiredKeysOnly"/>, keys only the current side has are not
    /// differences (tags or attributes someone else added).</summary>
    /// <param name="property">The property's name in the plan (each key is appended).</param>
    /// <param name="current">The values now.</param>
    /// <param name="desired">The values wanted.</param>
    /// <param name="desiredKeysOnly">Ignore keys the desired side does not have.</param>
    public void Map(string property, IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string> desired, bool desiredKeysOnly)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(desired);
        var keys = desiredKeysOnly ? desired.Keys : desired.Keys.Union(current.Keys);
        foreach (var key in keys.Order(StringComparer.Ordinal))
        {
            Compare($"{property} {key}", current.GetValueOrDefault(key), desired.GetValueOrDefault(key));
        }
    }

    /// <summary>Adds a note for the plan line.</summary>
    /// <param name="note">The note.</param>
    public void Note(string note) => Notes.Add(note);

    private static string? Short(string? value) => value is { Length: > MaxValueLength } ? value[..(MaxValueLength - 1)] + "…" : value;
}

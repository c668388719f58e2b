namespace Aspire.Deployer.Engine;

/// <summary>The one place tags are compared and converted between the shapes of the AWS APIs.</summary>
public static class Tags
{
    /// <summary>True when a desired tag is missing or has another value (tags others added do not count).</summary>
    /// <param name="desired">The tags wanted.</param>
    /// <param name="current">The tags there.</param>
    public static bool Differ(IReadOnlyDictionary<string, string> desired, IReadOnlyDictionary<string, string> current)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(current);
        return desired.Any(t => !current.TryGetValue(t.Key, out var value) || value != t.Value);
    }

    /// <summary>An API's tag list (or any key/value items) as a dictionary; items without a key are skipped.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The items; null is empty.</param>
    /// <param name="key">The item's key.</param>
    /// <param name="value">The item's value (null becomes empty).</param>
    public static Dictionary<string, string> ToDictionary<T>(IEnumerable<T>? items, Func<T, string?> key, Func<T, string?> value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            if (key(item) is { } k)
            {
                result[k] = value(item) ?? "";
            }
        }

        return result;
    }

    /// <summary>A dictionary of tags as an API's tag list.</summary>
    /// <typeparam name="T">The API's tag type.</typeparam>
    /// <param name="tags">The tags.</param>
    /// <param name="make">Makes one tag from key and value.</param>
    public static List<T> ToList<T>(IReadOnlyDictionary<string, string> tags, Func<string, string, T> make)
    {
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentNullException.ThrowIfNull(make);
        return [.. tags.Select(t => make(t.Key, t.Value))];
    }
}

using System.Globalization;

namespace Aspire.Deployer.Settings;

/// <summary>Converts a configuration value to a setting's type, culture-invariant, and says what a type accepts.</summary>
internal static class SettingValue
{
    /// <summary>True for the types a single key holds (string, bool, whole and decimal numbers, enums).</summary>
    public static bool IsScalar(Type type) =>
        type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(double) || type.IsEnum;

    public static bool TryConvert(Type type, string text, out object? value)
    {
        value = null;
        if (type == typeof(string))
        {
            value = text;
        }
        else if (type == typeof(bool) && bool.TryParse(text, out var flag))
        {
            value = flag;
        }
        else if (type == typeof(int) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole))
        {
            value = whole;
        }
        else if (type == typeof(double) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            value = number;
        }
        else if (type.IsEnum && !char.IsAsciiDigit(text[0]) && text[0] != '-' && Enum.TryParse(type, text, ignoreCase: true, out var member))
        {
            value = member;
        }

        return value is not null;
    }

    public static string Describe(Type type) =>
        type == typeof(bool) ? "true or false"
        : type == typeof(int) ? "a whole number"
        : type == typeof(double) ? "a number (for example 2.5)"
        : type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type))}"
        : "text";
}

/// <summary>Finds the known name closest to a mistyped one (case-insensitive edit distance), for "did you mean" hints.</summary>
internal static class Closest
{
    /// <summary>
    /// The candidate closest to <paramref name="typed"/>, or null when none is close enough to be a typo of it: a few
    /// letters apart, or one the start of the other (<c>Memory</c> for <c>MemoryMiB</c>).
    /// </summary>
    public static string? Match(string typed, IEnumerable<string> candidates)
    {
        var best = candidates
            .Select(c => (Name: c, Distance: IsPrefix(typed, c) ? 1 : Distance(typed.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, typed.Length / 3) ? best.Name : null;
    }

    private static bool IsPrefix(string a, string b) =>
        Math.Min(a.Length, b.Length) >= 3
        && (a.StartsWith(b, StringComparison.OrdinalIgnoreCase) || b.StartsWith(a, StringComparison.OrdinalIgnoreCase));

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Aspire.Deployer.Settings;

/// <summary>What the logs verb shows: which services, from when, which lines, and whether it keeps following.</summary>
public sealed partial record LogsOptions
{
    /// <summary>How far back the logs start when <c>Aws:LogsSince</c> is not set.</summary>
    public static readonly TimeSpan DefaultSince = TimeSpan.FromMinutes(10);

    /// <summary>Where the logs start (<c>Aws:LogsSince</c>: a duration back from now, or a time); null: <see cref="DefaultSince"/> ago.</summary>
    public string? Since { get; init; }

    /// <summary>Keep polling for new lines until cancelled (<c>Aws:LogsFollow</c>, Ctrl+C ends it).</summary>
    public bool Follow { get; init; }

    /// <summary>A CloudWatch Logs filter pattern (<c>Aws:LogsFilter</c>); null: every line.</summary>
    public string? FilterPattern { get; init; }

    /// <summary>The one Aspire resource whose logs to show (<c>Aws:LogsService</c>); null: every service of the app.</summary>
    public string? Service { get; init; }

    /// <summary>Time between polls in follow mode (default 2 seconds; CloudWatch Logs' own live tail is a paid stream).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How far behind the newest line each poll in follow mode looks again: CloudWatch Logs may make an event
    /// searchable after a later one (ingestion is per stream), and events seen before are skipped by their id.
    /// </summary>
    public TimeSpan Lookback { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The most lines one read prints (the oldest of a larger window are left out, and it says so). Default 10,000.</summary>
    public int MaxLines { get; init; } = 10_000;

    /// <summary>The time the logs start from, relative to <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <exception cref="FormatException"><see cref="Since"/> is neither a duration nor a time (checked when the settings are bound).</exception>
    public DateTimeOffset StartTime(DateTimeOffset now) =>
        Since is null ? now - DefaultSince
        : TryParseSince(Since, now, out var start) ? start
        : throw new FormatException(SinceProblem(Since));

    /// <summary>Reads a <c>Since</c> value: <c>90s</c>, <c>10m</c>, <c>2h</c>, <c>1d</c> (back from <paramref name="now"/>), or an ISO 8601 time.</summary>
    /// <param name="text">The value.</param>
    /// <param name="now">The current time.</param>
    /// <param name="start">The start time.</param>
    /// <returns>Whether the value could be read.</returns>
    public static bool TryParseSince(string text, DateTimeOffset now, out DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(text);
        start = default;
        var match = Duration().Match(text.Trim());
        if (match.Success && double.TryParse(match.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            var span = match.Groups["unit"].Value switch
            {
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
            start = now - span;
            return span <= TimeSpan.FromDays(3650);
        }

        if (DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time <= now)
        {
            start = time;
            return true;
        }

        return false;
    }

    /// <summary>What is wrong with a <c>Since</c> value and how to write one.</summary>
    /// <param name="text">The value.</param>
    public static string SinceProblem(string text) =>
        $"{AwsSettings.SectionName}:{nameof(AwsSettings.LogsSince)} is '{text}', which is neither a duration back from now (90s, 10m, 2h, 1d) nor a past time (2026-12-01T10:00:00Z).";

    [GeneratedRegex("^(?<n>[0-9]+(?:\\.[0-9]+)?)(?<unit>[smhd])$", RegexOptions.CultureInvariant)]
    private static partial Regex Duration();
}

using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Settings;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;

namespace Aspire.Deployer.Verbs;

/// <summary>One service's log group.</summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="LogGroup">Its CloudWatch log group.</param>
public sealed record LogSource(string Resource, string LogGroup);

/// <summary>What the logs verb printed.</summary>
/// <param name="Sources">The log groups read.</param>
/// <param name="Lines">How many lines were printed (each once).</param>
/// <param name="Followed">True when it followed the logs until it was interrupted.</param>
public sealed record LogsResult(IReadOnlyList<LogSource> Sources, int Lines, bool Followed);

/// <summary>
/// The logs verb: the app's CloudWatch logs (every service, or one), from a start time, optionally filtered, once or
/// following new lines until interrupted. Read-only (DescribeLogGroups, FilterLogEvents). Lines are printed in time
/// order across services and streams and never twice: CloudWatch Logs' event ids are remembered while each poll looks
/// a little behind the newest line, since an event can become searchable after a later one. StartLiveTail is a
/// streaming API billed per minute; polling FilterLogEvents needs no extra permission and works on emulators.
/// </summary>
public static class LogsVerb
{
    /// <summary>Prints the logs.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="scope">The app and environment (its log groups are <c>/ecs/{app}/{environment}/{resource}</c>).</param>
    /// <param name="options">Which service, from when, the filter, follow mode.</param>
    /// <param name="progress">Where the lines go.</param>
    /// <param name="cancellationToken">Cancels the read; in follow mode this is how it ends (Ctrl+C), cleanly.</param>
    /// <returns>What was read and printed.</returns>
    /// <exception cref="AwsApiException">A read failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while not following.</exception>
    public static async Task<LogsResult> RunAsync(AwsSession session, AppScope scope, LogsOptions options, IDeployProgress progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var sources = await SourcesAsync(session, scope, options.Service, cancellationToken).ConfigureAwait(false);
        if (sources.Count == 0)
        {
            progress.Info(options.Service is null
                ? $"No log group under {scope.LogGroupPrefix}: nothing of app '{scope.App}', environment '{scope.Environment}' has logged here. Deploy first."
                : $"No log group {scope.LogGroupPrefix}{options.Service}: the service has not been deployed (or was destroyed).");
            return new LogsResult(sources, 0, Followed: false);
        }

        var start = options.StartTime(DateTimeOffset.UtcNow);
        var tail = new LogTail(session.Logs, sources, options, start);
        progress.Info($"Logs of {string.Join(", ", sources.Select(s => s.Resource))} since {start.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z" +
                      (options.FilterPattern is null ? "" : $" matching '{options.FilterPattern}'") + (options.Follow ? " (following; Ctrl+C stops)" : "") + ":");
        var printed = 0;
        var formatter = new LogLineFormatter(showResource: sources.Count > 1);
        try
        {
            while (true)
            {
                var (lines, truncated) = await tail.ReadNewAsync(cancellationToken).ConfigureAwait(false);
                if (truncated > 0)
                {
                    progress.Warn($"{truncated} older line(s) left out: more than {options.MaxLines} matched. Narrow Aws:LogsSince or set Aws:LogsFilter.");
                }

                foreach (var line in lines)
                {
                    progress.Info(formatter.Format(line));
                }

                printed += lines.Count;
                if (!options.Follow)
                {
                    if (printed == 0)
                    {
                        progress.Info("No log lines in that window.");
                    }

                    return new LogsResult(sources, printed, Followed: false);
                }

                await Task.Delay(options.PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (options.Follow && cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C is how following ends: not a failure.
            progress.Info($"Stopped following ({printed} line(s) shown).");
            return new LogsResult(sources, printed, Followed: true);
        }
    }

    /// <summary>The app's log groups, or the one of <paramref name="service"/>; found by their prefix so services the model no longer has show too.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="scope">The app and environment.</param>
    /// <param name="service">One resource, or null for all.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public static async Task<IReadOnlyList<LogSource>> SourcesAsync(AwsSession session, AppScope scope, string? service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(scope);
        var prefix = scope.LogGroupPrefix + (service ?? "");
        var groups = await session.Logs.DescribeLogGroupsItemsAsync(new Logs.DescribeLogGroupsRequest { LogGroupNamePrefix = prefix }, cancellationToken)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. groups.Select(g => g.LogGroupName).OfType<string>()
            .Where(name => service is null ? name.Length > scope.LogGroupPrefix.Length : name == prefix)
            .Order(StringComparer.Ordinal)
            .Select(name => new LogSource(name[scope.LogGroupPrefix.Length..], name))];
    }
}

/// <summary>One log event of a service's task.</summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="Stream">The log stream (<c>prefix/container/task-id</c> for awslogs on Fargate).</param>
/// <param name="Time">When the line was written.</param>
/// <param name="Message">The line as the container wrote it.</param>
/// <param name="EventId">CloudWatch Logs' id of the event.</param>
public sealed record LogLine(string Resource, string Stream, DateTimeOffset Time, string Message, string EventId)
{
    /// <summary>The task id: the last part of an awslogs stream name (<c>prefix/container/task-id</c>), or the stream name.</summary>
    public string TaskId => Stream[(Stream.LastIndexOf('/') + 1)..];
}

/// <summary>
/// Reads what is new in a set of log groups since the last read: FilterLogEvents from a little before the newest line
/// seen (every page, bounded), merged across groups in time order, each event id printed once. Ids older than the
/// look-back window are forgotten, so memory stays bounded however long it follows.
/// </summary>
internal sealed class LogTail(Logs.CloudWatchLogsClient logs, IReadOnlyList<LogSource> sources, LogsOptions options, DateTimeOffset start)
{
    private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);
    private long _newest = start.ToUnixTimeMilliseconds();
    private bool _first = true;

    /// <summary>The lines not read before, oldest first, and how many older ones were left out beyond <see cref="LogsOptions.MaxLines"/>.</summary>
    public async Task<(IReadOnlyList<LogLine> Lines, int Truncated)> ReadNewAsync(CancellationToken cancellationToken)
    {
        var from = _first ? start.ToUnixTimeMilliseconds() : Math.Max(start.ToUnixTimeMilliseconds(), _newest - (long)options.Lookback.TotalMilliseconds);
        _first = false;
        var found = new List<LogLine>();
        var truncated = 0;
        foreach (var source in sources)
        {
            await foreach (var page in logs.FilterLogEventsPagesAsync(new Logs.FilterLogEventsRequest
            {
                LogGroupName = source.LogGroup,
                StartTime = from,
                FilterPattern = options.FilterPattern,
            }, cancellationToken).ConfigureAwait(false))
            {
                found.AddRange((page.Events ?? [])
                    .Where(e => e.EventId is not null && !_seen.ContainsKey(Key(source, e.EventId)))
                    .Select(e => new LogLine(source.Resource, e.LogStreamName ?? "", DateTimeOffset.FromUnixTimeMilliseconds(e.Timestamp ?? 0), e.Message ?? "", e.EventId!)));
                if (found.Count > options.MaxLines * 2)
                {
                    // Bounded memory: pages come oldest first, so the oldest are dropped and reading goes on to the newest.
                    found = Ordered(found);
                    truncated += Drop(found, found.Count - options.MaxLines);
                }
            }
        }

        // CloudWatch Logs interleaves streams within a page; across groups and pages the order is ours to make.
        var lines = Ordered(found);
        truncated += Drop(lines, Math.Max(0, lines.Count - options.MaxLines));
        foreach (var line in lines)
        {
            _seen[Key(line)] = line.Time.ToUnixTimeMilliseconds();
            _newest = Math.Max(_newest, line.Time.ToUnixTimeMilliseconds());
        }

        Forget(_newest - (long)options.Lookback.TotalMilliseconds * 2);
        return (lines, truncated);
    }

    private List<LogLine> Ordered(IEnumerable<LogLine> lines) =>
        [.. lines.DistinctBy(l => Key(l)).OrderBy(l => l.Time).ThenBy(l => l.Stream, StringComparer.Ordinal).ThenBy(l => l.EventId, StringComparer.Ordinal)];

    // Leaves out the oldest lines; those still inside the look-back are remembered, so a later poll does not print them.
    private int Drop(List<LogLine> ordered, int count)
    {
        var keepFrom = ordered.Count == 0 ? 0 : ordered[^1].Time.ToUnixTimeMilliseconds() - (long)options.Lookback.TotalMilliseconds * 2;
        foreach (var line in ordered.Take(count).Where(l => l.Time.ToUnixTimeMilliseconds() >= keepFrom))
        {
            _seen[Key(line)] = line.Time.ToUnixTimeMilliseconds();
        }

        ordered.RemoveRange(0, count);
        return count;
    }

    private void Forget(long before)
    {
        foreach (var old in _seen.Where(s => s.Value < before).Select(s => s.Key).ToList())
        {
            _seen.Remove(old);
        }
    }

    private static string Key(LogSource source, string eventId) => source.LogGroup + "\n" + eventId;

    private string Key(LogLine line) => Key(sources.First(s => s.Resource == line.Resource), line.EventId);
}

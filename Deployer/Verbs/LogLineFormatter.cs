using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Aspire.Deployer.Verbs;

/// <summary>
/// Makes a log line readable: <c>time [resource] task level message key=value ... trace=id</c>. JSON lines in the
/// shape node-app and most Node loggers write (<c>{"time","level","msg", ...fields, "traceId","spanId"}</c>; also
/// <c>message</c>, <c>severity</c>, <c>trace_id</c>) are unpacked; any other line is shown as written.
/// </summary>
/// <param name="showResource">Prefix each line with its resource (several services are shown together).</param>
public sealed class LogLineFormatter(bool showResource)
{
    private static readonly string[] MessageKeys = ["msg", "message"];
    private static readonly string[] LevelKeys = ["level", "severity", "levelname"];
    private static readonly string[] TraceKeys = ["traceId", "trace_id", "traceid"];
    private static readonly string[] Dropped = ["time", "timestamp", "spanId", "span_id", "pid", "hostname"];

    /// <summary>The line for people.</summary>
    /// <param name="line">The log event.</param>
    public string Format(LogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var head = new StringBuilder()
            .Append(line.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)).Append("Z ")
            .Append(showResource ? line.Resource + "/" : "")
            .Append(line.TaskId.Length > 8 ? line.TaskId[..8] : line.TaskId)
            .Append(' ');
        return head.Append(Readable(line.Message.TrimEnd('\r', '\n'))).ToString();
    }

    /// <summary>A structured JSON line as <c>LEVEL message key=value ... trace=id</c>; anything else unchanged.</summary>
    /// <param name="message">The line.</param>
    public static string Readable(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var trimmed = message.TrimStart();
        if (!trimmed.StartsWith('{'))
        {
            return message;
        }

        try
        {
            using var document = JsonDocument.Parse(trimmed);
            return document.RootElement.ValueKind == JsonValueKind.Object ? FromObject(document.RootElement) ?? message : message;
        }
        catch (JsonException)
        {
            return message;
        }
    }

    private static string? FromObject(JsonElement root)
    {
        var properties = root.EnumerateObject().ToList();
        var text = Find(properties, MessageKeys);
        var level = Find(properties, LevelKeys);
        if (text is null && level is null)
        {
            return null; // some other JSON: shown as written
        }

        var trace = Find(properties, TraceKeys);
        var used = MessageKeys.Concat(LevelKeys).Concat(TraceKeys).Concat(Dropped).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new StringBuilder((level ?? "-").ToUpperInvariant().PadRight(5)).Append(' ').Append(text ?? "");
        foreach (var property in properties.Where(p => !used.Contains(p.Name)))
        {
            builder.Append(' ').Append(property.Name).Append('=').Append(Value(property));
        }

        if (trace is not null)
        {
            builder.Append(" trace=").Append(trace);
        }

        return builder.ToString();
    }

    private static string? Find(List<JsonProperty> properties, string[] keys) =>
        properties.Where(p => keys.Contains(p.Name, StringComparer.OrdinalIgnoreCase)).Select(p => Scalar(p.Value)).FirstOrDefault(v => v is not null);

    // An error object shows as "Type: message"; other objects as compact JSON; strings with spaces quoted.
    private static string Value(JsonProperty property)
    {
        var value = property.Value;
        if (value.ValueKind == JsonValueKind.Object && (value.TryGetProperty("message", out var error) || value.TryGetProperty("msg", out error)))
        {
            var type = value.TryGetProperty("type", out var t) ? Scalar(t) : value.TryGetProperty("name", out var n) ? Scalar(n) : null;
            return Quote(type is null ? Scalar(error) ?? "" : $"{type}: {Scalar(error)}");
        }

        return Scalar(value) is { } scalar ? Quote(scalar) : value.GetRawText();
    }

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    private static string Quote(string text) => text.Any(char.IsWhiteSpace) || text.Length == 0 ? JsonSerializer.Serialize(text, Relaxed) : text;

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

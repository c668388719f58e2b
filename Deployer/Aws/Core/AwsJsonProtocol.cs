using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Aspire.Deployer.Aws;

/// <summary>The awsJson1_1 protocol: POST / with X-Amz-Target: &lt;prefix&gt;.&lt;Operation&gt; and a JSON body.</summary>
internal static class AwsJsonProtocol
{
    public const string ContentType = "application/x-amz-json-1.1";

    /// <summary>Member names come from [JsonPropertyName] (the model's exact spelling); nulls are left out;
    /// timestamps are epoch seconds; `required` only constrains callers, never responses.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
        Converters = { new EpochSecondsConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                static info =>
                {
                    foreach (var property in info.Properties)
                    {
                        property.IsRequired = false;
                    }
                },
            },
        },
    };

    public static byte[] Serialize(object request) => JsonSerializer.SerializeToUtf8Bytes(request, request.GetType(), Options);

    public static AwsWireRequest BuildRequest(AwsService service, string operation, object request) =>
        new(ContentType, Serialize(request), new Dictionary<string, string> { ["X-Amz-Target"] = $"{service.JsonTargetPrefix}.{operation}" });

    public static TResponse ReadResponse<TResponse>(byte[] body) =>
        JsonSerializer.Deserialize<TResponse>(body.Length == 0 ? "{}"u8 : body, Options)
        ?? throw new JsonException("the response body was null.");

    /// <summary>Reads __type / x-amzn-ErrorType (dropping any "namespace#" prefix and ":suffix") and message / Message.</summary>
    public static AwsErrorInfo ReadError(int status, HttpResponseMessage response, byte[] body)
    {
        string? code = null;
        string? message = null;
        if (response.Headers.TryGetValues("x-amzn-ErrorType", out var types))
        {
            code = types.FirstOrDefault();
        }

        try
        {
            using var doc = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String)
                    {
                        continue;
                    }

                    if (property.NameEquals("__type") || property.NameEquals("code"))
                    {
                        code ??= property.Value.GetString();
                    }
                    else if (property.Name.Equals("message", StringComparison.OrdinalIgnoreCase) || property.NameEquals("errorMessage"))
                    {
                        message ??= property.Value.GetString();
                    }
                }
            }
        }
        catch (JsonException)
        {
            message ??= Snippet(body);
        }

        return new AwsErrorInfo(CleanCode(code) ?? FallbackCode(status), message ?? Snippet(body) ?? $"HTTP {status} without an error message.", null);
    }

    internal static string? CleanCode(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        var colon = code.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            code = code[..colon];
        }

        var hash = code.LastIndexOf('#');
        return (hash >= 0 ? code[(hash + 1)..] : code).Trim();
    }

    internal static string FallbackCode(int status) => status switch
    {
        503 => "ServiceUnavailable",
        >= 500 => "InternalFailure",
        429 => "TooManyRequestsException",
        403 => "AccessDenied",
        404 => "NotFound",
        _ => $"Http{status}",
    };

    internal static string? Snippet(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)).Trim();
        return text.Length == 0 ? null : text;
    }

    /// <summary>AWS JSON timestamps: seconds since the epoch, possibly fractional (strings accepted on read).</summary>
    private sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number)
            {
                return DateTimeOffset.UnixEpoch.AddTicks((long)(reader.GetDouble() * TimeSpan.TicksPerSecond));
            }

            var text = reader.GetString() ?? throw new JsonException("a timestamp was null.");
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                ? DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond))
                : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteNumberValue(Math.Round((value - DateTimeOffset.UnixEpoch).TotalSeconds, 3));
    }
}

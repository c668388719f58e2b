using System.Collections;
using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace Aspire.Deployer.Aws;

/// <summary>
/// The Query protocol (ELBv2, IAM): a form POST of Action, Version and the flattened request
/// (structures as <c>Name.Member</c>, lists as <c>Name.member.N</c>, maps as <c>Name.entry.N.key/value</c>),
/// answered with XML (<c>&lt;OpResponse&gt;&lt;OpResult&gt;</c>, errors as <c>&lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code&gt;</c>).
/// </summary>
internal static class AwsQueryProtocol
{
    public const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";

    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    public static AwsWireRequest BuildRequest(AwsService service, string operation, object request) =>
        new(ContentType, Encoding.UTF8.GetBytes(Encode(Serialize(service, operation, request))), NoHeaders);

    /// <summary>The flattened form fields, in order, Action and Version first.</summary>
    public static List<KeyValuePair<string, string>> Serialize(AwsService service, string operation, object request)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("Action", operation),
            new("Version", service.ApiVersion),
        };
        WriteStructure(fields, "", request);
        return fields;
    }

    public static string Encode(IEnumerable<KeyValuePair<string, string>> fields) =>
        string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));

    public static TResponse ReadResponse<TResponse>(string operation, byte[] body)
    {
        var result = body.Length == 0
            ? null
            : XDocument.Parse(Encoding.UTF8.GetString(body)).Descendants().FirstOrDefault(e => e.Name.LocalName == operation + "Result");
        return (TResponse)ReadStructure(typeof(TResponse), result);
    }

    public static AwsErrorInfo ReadError(int status, HttpResponseMessage response, byte[] body)
    {
        try
        {
            var doc = XDocument.Parse(Encoding.UTF8.GetString(body));
            var error = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            var code = Child(error, "Code");
            var message = Child(error, "Message");
            var requestId = doc.Descendants().FirstOrDefault(e => e.Name.LocalName is "RequestId" or "RequestID")?.Value;
            return new AwsErrorInfo(
                AwsJsonProtocol.CleanCode(code) ?? AwsJsonProtocol.FallbackCode(status),
                string.IsNullOrWhiteSpace(message) ? $"HTTP {status} without an error message." : message.Trim(),
                string.IsNullOrWhiteSpace(requestId) ? null : requestId.Trim());
        }
        catch (System.Xml.XmlException)
        {
            return new AwsErrorInfo(AwsJsonProtocol.FallbackCode(status), AwsJsonProtocol.Snippet(body) ?? $"HTTP {status} without an error message.", null);
        }

        static string? Child(XElement? parent, string name) => parent?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
    }

    private static void WriteStructure(List<KeyValuePair<string, string>> fields, string prefix, object value)
    {
        foreach (var member in AwsShapeReflection.MembersOf(value.GetType()))
        {
            var memberValue = member.Property.GetValue(value);
            if (memberValue is not null)
            {
                WriteValue(fields, prefix + member.WireName, memberValue);
            }
        }
    }

    private static void WriteValue(List<KeyValuePair<string, string>> fields, string name, object value)
    {
        switch (value)
        {
            case string s:
                fields.Add(new(name, s));
                return;
            case bool b:
                fields.Add(new(name, b ? "true" : "false"));
                return;
            case int or long:
                fields.Add(new(name, Convert.ToString(value, CultureInfo.InvariantCulture)!));
                return;
            case double d:
                fields.Add(new(name, d.ToString("R", CultureInfo.InvariantCulture)));
                return;
            case DateTimeOffset t:
                fields.Add(new(name, t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)));
                return;
            case byte[] bytes:
                fields.Add(new(name, Convert.ToBase64String(bytes)));
                return;
        }

        if (value is IDictionary map)
        {
            var i = 0;
            foreach (DictionaryEntry entry in map)
            {
                i++;
                fields.Add(new($"{name}.entry.{i}.key", (string)entry.Key));
                if (entry.Value is not null)
                {
                    WriteValue(fields, $"{name}.entry.{i}.value", entry.Value);
                }
            }

            return;
        }

        if (value is IEnumerable items)
        {
            var i = 0;
            foreach (var item in items)
            {
                i++;
                WriteValue(fields, $"{name}.member.{i}", item);
            }

            if (i == 0)
            {
                fields.Add(new(name, ""));
            }

            return;
        }

        WriteStructure(fields, name + ".", value);
    }

    private static object ReadStructure(Type type, XElement? element)
    {
        var instance = Activator.CreateInstance(type)
            ?? throw new InvalidOperationException($"cannot create {type.Name}.");
        if (element is null)
        {
            return instance;
        }

        foreach (var member in AwsShapeReflection.MembersOf(type))
        {
            if (!member.Property.CanWrite)
            {
                continue;
            }

            var child = element.Elements().FirstOrDefault(e => e.Name.LocalName == member.WireName);
            if (child is not null)
            {
                member.Property.SetValue(instance, ReadValue(member.Property.PropertyType, child));
            }
        }

        return instance;
    }

    private static object? ReadValue(Type type, XElement element)
    {
        var scalar = Nullable.GetUnderlyingType(type) ?? type;
        if (ReadScalar(scalar, element.Value, out var value))
        {
            return value;
        }

        if (AwsShapeReflection.MapValue(type) is { } valueType)
        {
            var map = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType))!;
            foreach (var entry in element.Elements().Where(e => e.Name.LocalName == "entry"))
            {
                var key = entry.Elements().FirstOrDefault(e => e.Name.LocalName == "key")?.Value;
                var item = entry.Elements().FirstOrDefault(e => e.Name.LocalName == "value");
                if (key is not null && item is not null)
                {
                    map[key] = ReadValue(valueType, item);
                }
            }

            return map;
        }

        if (AwsShapeReflection.ListElement(type) is { } elementType)
        {
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType))!;
            foreach (var item in element.Elements().Where(e => e.Name.LocalName == "member"))
            {
                list.Add(ReadValue(elementType, item));
            }

            return list;
        }

        return ReadStructure(type, element);
    }

    // Strings, numbers, booleans, timestamps and blobs; false for anything else (maps, lists, structures).
    internal static bool ReadScalar(Type scalar, string text, out object? value)
    {
        value = scalar switch
        {
            _ when scalar == typeof(string) => text,
            _ when scalar == typeof(int) => int.Parse(text, CultureInfo.InvariantCulture),
            _ when scalar == typeof(long) => long.Parse(text, CultureInfo.InvariantCulture),
            _ when scalar == typeof(bool) => bool.Parse(text.Trim()),
            _ when scalar == typeof(double) => double.Parse(text, CultureInfo.InvariantCulture),
            _ when scalar == typeof(DateTimeOffset) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            _ when scalar == typeof(byte[]) => Convert.FromBase64String(text),
            _ => null,
        };
        return value is not null;
    }
}

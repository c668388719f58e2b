using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Xml.Linq;

namespace Aspire.Deployer.Aws;

/// <summary>
/// The rest-xml protocol (Route 53): each operation has its own HTTP method and URI template
/// (<see cref="AwsHttpAttribute"/>); members bound to a URI label, a query string key or a header go there
/// (<see cref="AwsLocationAttribute"/>), the others form an XML body under the operation's root element and namespace
/// (<see cref="AwsXmlRootAttribute"/>), lists as a wrapper element holding one element per item
/// (<see cref="AwsXmlListAttribute"/>). Answers are XML documents whose root holds the output members; errors are
/// <c>&lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code&gt;</c>, or a root named after the error (Route 53's InvalidChangeBatch).
/// </summary>
internal static class AwsRestXmlProtocol
{
    /// <summary>The content type of an XML body.</summary>
    public const string ContentType = "text/xml";

    /// <summary>The wire request: method, path and query from the URI template, headers, XML body.</summary>
    /// <param name="service">The service (Route 53's ids are passed as botocore does, without their <c>/hostedzone/</c> prefix).</param>
    /// <param name="request">The request record.</param>
    public static AwsWireRequest BuildRequest(AwsService service, object request)
    {
        var type = request.GetType();
        var http = type.GetCustomAttribute<AwsHttpAttribute>()
            ?? throw new InvalidOperationException($"{type.Name} has no [AwsHttp]: the generator writes one for every rest-xml request.");
        var template = http.RequestUri.Split('?', 2);
        var path = template[0];
        var query = template.Length > 1 ? FixedQuery(template[1]) : [];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var bodyMembers = new List<(AwsMemberInfo Member, object Value)>();
        foreach (var member in AwsShapeReflection.MembersOf(type))
        {
            if (member.Property.GetValue(request) is not { } value)
            {
                continue;
            }

            switch (member.Property.GetCustomAttribute<AwsLocationAttribute>())
            {
                case { Location: "uri" } label:
                    path = FillLabel(path, label.Name, UriLabelValue(service, Scalar(value)));
                    break;
                case { Location: "querystring" } key:
                    AddQuery(query, key.Name, value);
                    break;
                case { Location: "header" } header:
                    headers[header.Name] = Scalar(value);
                    break;
                case { Location: "headers" } prefix:
                    foreach (DictionaryEntry entry in (IDictionary)value)
                    {
                        headers[prefix.Name + (string)entry.Key] = Convert.ToString(entry.Value, CultureInfo.InvariantCulture) ?? "";
                    }

                    break;
                default:
                    bodyMembers.Add((member, value));
                    break;
            }
        }

        if (path.Contains('{', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{type.Name}: the URI label(s) of '{http.RequestUri}' were not all given ({path}).");
        }

        var pathAndQuery = query.Count == 0 ? path : path + "?" + string.Join('&', query.Select(q => q.Value is null
            ? Uri.EscapeDataString(q.Key)
            : $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
        var body = Body(type, bodyMembers);
        return new AwsWireRequest(body is null ? null : ContentType, body ?? [], headers, http.Method, pathAndQuery);
    }

    /// <summary>Reads an answer: the root element's children are the output members.</summary>
    /// <typeparam name="TResponse">The response record.</typeparam>
    /// <param name="body">The XML body (empty for operations without output).</param>
    public static TResponse ReadResponse<TResponse>(byte[] body)
    {
        var root = body.Length == 0 ? null : XDocument.Parse(Encoding.UTF8.GetString(body)).Root;
        return (TResponse)ReadStructure(typeof(TResponse), root);
    }

    /// <summary>Reads an error: <c>Error/Code</c> and <c>Error/Message</c>, else the root element's name and its messages.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="response">The response (unused: rest-xml errors are in the body).</param>
    /// <param name="body">The body.</param>
    public static AwsErrorInfo ReadError(int status, HttpResponseMessage response, byte[] body)
    {
        var error = AwsQueryProtocol.ReadError(status, response, body);
        if (error.Code != AwsJsonProtocol.FallbackCode(status) || body.Length == 0)
        {
            return error;
        }

        try
        {
            // Route 53 answers a refused change batch with <InvalidChangeBatch><Messages><Message>...</Message></Messages>.
            var root = XDocument.Parse(Encoding.UTF8.GetString(body)).Root;
            if (root is null || root.Name.LocalName == "ErrorResponse")
            {
                return error;
            }

            var messages = root.Descendants().Where(e => e.Name.LocalName is "Message" or "message").Select(e => e.Value.Trim()).Where(m => m.Length > 0).Distinct().ToList();
            return new AwsErrorInfo(root.Name.LocalName, messages.Count > 0 ? string.Join("; ", messages) : error.Message, error.RequestId);
        }
        catch (System.Xml.XmlException)
        {
            return error;
        }
    }

    /// <summary>The XML body of the members that go in it, under the request's root element; null when there is none.</summary>
    private static byte[]? Body(Type type, List<(AwsMemberInfo Member, object Value)> members)
    {
        if (type.GetCustomAttribute<AwsXmlRootAttribute>() is not { } root)
        {
            return members.Count == 0 ? null
                : throw new InvalidOperationException($"{type.Name} has body members but no [AwsXmlRoot]: the generator writes one when the model has a body.");
        }

        XNamespace ns = root.Namespace;
        var element = new XElement(ns + root.Name);
        foreach (var (member, value) in members)
        {
            WriteMember(element, ns, member, value);
        }

        return Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting));
    }

    private static void WriteMember(XElement parent, XNamespace ns, AwsMemberInfo member, object value)
    {
        var name = ElementName(member);
        if (AwsShapeReflection.ListElement(member.Property.PropertyType) is not null)
        {
            var list = member.Property.GetCustomAttribute<AwsXmlListAttribute>();
            var container = list?.Flattened == true ? parent : new XElement(ns + name);
            foreach (var item in (IEnumerable)value)
            {
                container.Add(WriteValue(ns, list?.Flattened == true ? name : list?.ItemName ?? "member", item));
            }

            if (container != parent)
            {
                parent.Add(container);
            }

            return;
        }

        parent.Add(WriteValue(ns, name, value));
    }

    private static XElement WriteValue(XNamespace ns, string name, object value)
    {
        if (AwsShapeReflection.IsScalar(value.GetType()))
        {
            return new XElement(ns + name, Scalar(value));
        }

        if (value is IDictionary)
        {
            throw new NotSupportedException($"{name}: maps in rest-xml bodies are not used by any operation the Deployer calls.");
        }

        var element = new XElement(ns + name);
        foreach (var member in AwsShapeReflection.MembersOf(value.GetType()))
        {
            if (member.Property.GetValue(value) is { } child)
            {
                WriteMember(element, ns, member, child);
            }
        }

        return element;
    }

    private static object ReadStructure(Type type, XElement? element)
    {
        var instance = Activator.CreateInstance(type) ?? throw new InvalidOperationException($"cannot create {type.Name}.");
        if (element is null)
        {
            return instance;
        }

        foreach (var member in AwsShapeReflection.MembersOf(type))
        {
            if (!member.Property.CanWrite || member.Property.GetCustomAttribute<AwsLocationAttribute>() is not null)
            {
                continue;
            }

            var name = ElementName(member);
            var propertyType = member.Property.PropertyType;
            if (AwsShapeReflection.ListElement(propertyType) is { } itemType)
            {
                var list = member.Property.GetCustomAttribute<AwsXmlListAttribute>();
                var items = list?.Flattened == true
                    ? element.Elements().Where(e => e.Name.LocalName == name)
                    : element.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Elements();
                if (items is not null)
                {
                    var values = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(itemType))!;
                    foreach (var item in items)
                    {
                        values.Add(ReadValue(itemType, item));
                    }

                    member.Property.SetValue(instance, values);
                }

                continue;
            }

            if (element.Elements().FirstOrDefault(e => e.Name.LocalName == name) is { } child)
            {
                member.Property.SetValue(instance, ReadValue(propertyType, child));
            }
        }

        return instance;
    }

    private static object? ReadValue(Type type, XElement element)
    {
        var scalar = Nullable.GetUnderlyingType(type) ?? type;
        if (AwsQueryProtocol.ReadScalar(scalar, element.Value, out var value))
        {
            return value;
        }

        return AwsShapeReflection.MapValue(type) is not null
            ? throw new NotSupportedException($"{element.Name.LocalName}: maps in rest-xml answers are not used by any operation the Deployer calls.")
            : ReadStructure(type, element);
    }

    private static string ElementName(AwsMemberInfo member) =>
        member.Property.GetCustomAttribute<AwsXmlNameAttribute>()?.Name ?? member.WireName;

    private static string FillLabel(string path, string label, string value)
    {
        // A greedy label ({Key+}) keeps its slashes; a plain one is one path segment.
        var greedy = "{" + label + "+}";
        return path.Contains(greedy, StringComparison.Ordinal)
            ? path.Replace(greedy, string.Join('/', value.Split('/').Select(Uri.EscapeDataString)), StringComparison.Ordinal)
            : path.Replace("{" + label + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
    }

    // botocore's fix_route53_ids: Route 53 answers ids as "/hostedzone/Z123" and "/change/C123" but takes them bare.
    private static string UriLabelValue(AwsService service, string value) =>
        service.ModelName == "route53" && value.StartsWith('/') ? value[(value.LastIndexOf('/') + 1)..] : value;

    private static void AddQuery(List<KeyValuePair<string, string?>> query, string key, object value)
    {
        if (value is IDictionary map)
        {
            foreach (DictionaryEntry entry in map)
            {
                query.Add(new((string)entry.Key, Convert.ToString(entry.Value, CultureInfo.InvariantCulture)));
            }

            return;
        }

        if (value is IEnumerable items and not string)
        {
            query.AddRange(items.Cast<object>().Select(i => new KeyValuePair<string, string?>(key, Scalar(i))));
            return;
        }

        query.Add(new(key, Scalar(value)));
    }

    private static List<KeyValuePair<string, string?>> FixedQuery(string text) =>
        [.. text.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(part => part.Split('=', 2) is var kv && kv.Length == 2
            ? new KeyValuePair<string, string?>(Uri.UnescapeDataString(kv[0]), Uri.UnescapeDataString(kv[1]))
            : new KeyValuePair<string, string?>(Uri.UnescapeDataString(part), null))];

    private static string Scalar(object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToBase64String(bytes),
        _ => throw new NotSupportedException($"{value.GetType().Name} is not a scalar of the rest-xml protocol."),
    };
}

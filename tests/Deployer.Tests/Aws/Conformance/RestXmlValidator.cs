using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Web;
using System.Xml.Linq;
using Aspire.Deployer.Aws;

namespace Aspire.Deployer.Tests.Aws.Conformance;

/// <summary>
/// Checks a rest-xml wire request against a botocore operation: the HTTP method and URI template (every label
/// filled), query string keys and header names of the members bound there (required ones present, enum values
/// valid), and the XML body: its root element's name and namespace, then every element walked against the input
/// shape (member names, list item names, required members, scalar values).
/// </summary>
internal static partial class ModelValidator
{
    internal static List<string> ValidateRestXml(ServiceModel model, string operation, AwsWireRequest wire)
    {
        var errors = new List<string>();
        var spec = model.Operation(operation);
        var http = spec["http"]!.AsObject();
        if (wire.Method != http["method"]!.GetValue<string>())
        {
            errors.Add($"method {wire.Method}, the model says {http["method"]}");
        }

        var template = http["requestUri"]!.GetValue<string>().Split('?', 2);
        var pathAndQuery = (wire.PathAndQuery ?? "").Split('?', 2);
        var pattern = "^" + Regex.Replace(Regex.Escape(template[0]), @"\\\{[^}]+\+}", ".+").Replace(@"\{", "{", StringComparison.Ordinal) + "$";
        pattern = Regex.Replace(pattern, @"\{[^}]+}", "[^/]+");
        if (!Regex.IsMatch(pathAndQuery[0], pattern))
        {
            errors.Add($"path {pathAndQuery[0]} does not fit the template {template[0]}");
        }

        var input = spec["input"]?["shape"]?.GetValue<string>();
        var members = input is null ? [] : model.Shape(input)["members"]?.AsObject() ?? [];
        var required = input is null ? [] : Required(model.Shape(input)).ToHashSet();
        var query = pathAndQuery.Length > 1 ? HttpUtility.ParseQueryString(pathAndQuery[1]) : [];
        var fixedKeys = template.Length > 1 ? HttpUtility.ParseQueryString(template[1]).AllKeys.OfType<string>().ToHashSet() : [];
        foreach (var key in query.AllKeys.OfType<string>().Where(k => !fixedKeys.Contains(k)))
        {
            var member = members.FirstOrDefault(m => m.Value!["location"]?.GetValue<string>() == "querystring" && m.Value["locationName"]?.GetValue<string>() == key);
            if (member.Value is null)
            {
                errors.Add($"query key '{key}' is no querystring member of {input}");
                continue;
            }

            var shapeName = member.Value["shape"]!.GetValue<string>();
            var shape = model.Shape(shapeName);
            CheckScalar(shapeName, shape, shape["type"]!.GetValue<string>(), query[key]!, query: true, "?" + key, errors);
        }

        foreach (var (name, member) in members)
        {
            var location = member!["location"]?.GetValue<string>();
            var wireName = member["locationName"]?.GetValue<string>();
            var present = location switch
            {
                "uri" => true, // checked by the template match
                "querystring" => query[wireName] is not null,
                "header" => wire.Headers.ContainsKey(wireName!),
                _ => true,
            };
            if (required.Contains(name) && !present)
            {
                errors.Add($"required {location} member {name} ({wireName}) is missing");
            }
        }

        ValidateXmlBody(model, spec, input, wire, errors);
        return errors;
    }

    private static void ValidateXmlBody(ServiceModel model, JsonObject spec, string? input, AwsWireRequest wire, List<string> errors)
    {
        var rootName = spec["input"]?["locationName"]?.GetValue<string>();
        if (rootName is null)
        {
            if (wire.Body.Length > 0)
            {
                errors.Add("the operation has no XML body, but one was sent");
            }

            return;
        }

        var root = XDocument.Parse(Encoding.UTF8.GetString(wire.Body)).Root!;
        var ns = spec["input"]!["xmlNamespace"]?["uri"]?.GetValue<string>() ?? "";
        if (root.Name != XName.Get(rootName, ns))
        {
            errors.Add($"body root {root.Name}, the model says {{{ns}}}{rootName}");
        }

        WalkXml(model, input!, root, rootName, errors, bodyOnly: true);
    }

    private static void WalkXml(ServiceModel model, string shapeName, XElement element, string path, List<string> errors, bool bodyOnly = false)
    {
        var shape = model.Shape(shapeName);
        var type = shape["type"]!.GetValue<string>();
        switch (type)
        {
            case "structure":
                var members = (shape["members"]?.AsObject() ?? []).Where(m => !bodyOnly || m.Value!["location"] is null)
                    .ToDictionary(m => m.Value!["locationName"]?.GetValue<string>() ?? m.Key, m => (Name: m.Key, Ref: m.Value!.AsObject()));
                foreach (var child in element.Elements())
                {
                    if (child.Name.Namespace != element.Name.Namespace)
                    {
                        errors.Add($"{path}/{child.Name.LocalName}: namespace {child.Name.NamespaceName}, not {element.Name.NamespaceName}");
                    }

                    if (!members.TryGetValue(child.Name.LocalName, out var member))
                    {
                        errors.Add($"{path}/{child.Name.LocalName}: {shapeName} has no member of that name");
                        continue;
                    }

                    WalkXml(model, member.Ref["shape"]!.GetValue<string>(), child, $"{path}/{child.Name.LocalName}", errors);
                }

                foreach (var name in Required(shape))
                {
                    var wireName = shape["members"]![name]!["locationName"]?.GetValue<string>() ?? name;
                    if ((!bodyOnly || shape["members"]![name]!["location"] is null) && element.Elements().All(e => e.Name.LocalName != wireName))
                    {
                        errors.Add($"{path}: required member {name} of {shapeName} is missing");
                    }
                }

                return;
            case "list":
                var itemName = shape["member"]!["locationName"]?.GetValue<string>() ?? "member";
                foreach (var item in element.Elements())
                {
                    if (item.Name.LocalName != itemName)
                    {
                        errors.Add($"{path}/{item.Name.LocalName}: items of {shapeName} are <{itemName}>");
                    }

                    WalkXml(model, shape["member"]!["shape"]!.GetValue<string>(), item, $"{path}/{itemName}", errors);
                }

                return;
            case "map":
                errors.Add($"{path}: maps in rest-xml bodies are not checked");
                return;
            default:
                if (element.HasElements)
                {
                    errors.Add($"{path}: {shapeName} is a {type} but has child elements");
                    return;
                }

                CheckScalar(shapeName, shape, type, element.Value, query: true, path, errors);
                return;
        }
    }
}

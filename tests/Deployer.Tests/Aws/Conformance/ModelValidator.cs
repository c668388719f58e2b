using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Aspire.Deployer.Tests.Aws.Conformance;

/// <summary>
/// Checks a wire request against a botocore shape: every member exists, required members are present, and
/// every value has the member's type (structure, list, map, string, integer, long, boolean, double, timestamp,
/// blob) and, for enums, one of the model's values. JSON bodies are walked directly; Query forms are mapped
/// back onto the shape tree key by key.
/// </summary>
internal static partial class ModelValidator
{
    public static List<string> ValidateJson(ServiceModel model, string shapeName, JsonNode? node)
    {
        var errors = new List<string>();
        Walk(model, shapeName, node, "$", errors);
        return errors;
    }

    public static List<string> ValidateQuery(ServiceModel model, string operation, string? inputShape, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var errors = new List<string>();
        if (fields.Count < 2 || fields[0].Key != "Action" || fields[0].Value != operation)
        {
            errors.Add($"the form does not start with Action={operation}");
        }

        var version = model.Metadata["apiVersion"]!.GetValue<string>();
        if (fields.Count < 2 || fields[1].Key != "Version" || fields[1].Value != version)
        {
            errors.Add($"the form does not carry Version={version}");
        }

        var structures = new Dictionary<string, (string Shape, HashSet<string> Members)>(StringComparer.Ordinal);
        var lists = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        if (inputShape is not null)
        {
            structures[""] = (inputShape, []);
        }

        foreach (var (key, value) in fields.Skip(2))
        {
            if (inputShape is null)
            {
                errors.Add($"{key}: the operation takes no input");
                continue;
            }

            ResolveQueryKey(model, inputShape, key, value, structures, lists, errors);
        }

        foreach (var (prefix, (shape, members)) in structures)
        {
            foreach (var required in Required(model.Shape(shape)))
            {
                if (!members.Contains(required))
                {
                    errors.Add($"{(prefix.Length == 0 ? "(input)" : prefix.TrimEnd('.'))}: required member {required} of {shape} is missing");
                }
            }
        }

        foreach (var (prefix, indices) in lists)
        {
            var sorted = indices.Distinct().Order().ToList();
            if (!sorted.SequenceEqual(Enumerable.Range(1, sorted.Count)))
            {
                errors.Add($"{prefix}: list indices are not 1..N ({string.Join(",", sorted)})");
            }
        }

        return errors;
    }

    private static void ResolveQueryKey(
        ServiceModel model,
        string inputShape,
        string key,
        string value,
        Dictionary<string, (string Shape, HashSet<string> Members)> structures,
        Dictionary<string, List<int>> lists,
        List<string> errors)
    {
        var parts = key.Split('.');
        var shapeName = inputShape;
        var prefix = "";
        var i = 0;
        while (true)
        {
            var shape = model.Shape(shapeName);
            var type = shape["type"]!.GetValue<string>();
            if (type == "structure")
            {
                if (i >= parts.Length)
                {
                    errors.Add($"{key}: {shapeName} is a structure but got a value");
                    return;
                }

                var member = parts[i];
                var members = shape["members"]?.AsObject();
                if (members is null || !members.ContainsKey(member))
                {
                    errors.Add($"{key}: {shapeName} has no member '{member}'");
                    return;
                }

                if (!structures.TryGetValue(prefix, out var entry))
                {
                    entry = (shapeName, []);
                    structures[prefix] = entry;
                }

                entry.Members.Add(member);
                shapeName = members[member]!["shape"]!.GetValue<string>();
                prefix += member + ".";
                i++;
                continue;
            }

            if (type == "list")
            {
                if (i == parts.Length && value.Length == 0)
                {
                    return; // an empty list is sent as "Name="
                }

                if (i + 1 >= parts.Length || parts[i] != "member" || !int.TryParse(parts[i + 1], out var index) || index < 1)
                {
                    errors.Add($"{key}: expected '{prefix}member.N' for list {shapeName}");
                    return;
                }

                if (!lists.TryGetValue(prefix, out var indices))
                {
                    lists[prefix] = indices = [];
                }

                indices.Add(index);
                shapeName = shape["member"]!["shape"]!.GetValue<string>();
                prefix += $"member.{index}.";
                i += 2;
                continue;
            }

            if (type == "map")
            {
                if (i + 2 >= parts.Length || parts[i] != "entry" || !int.TryParse(parts[i + 1], out var index) || parts[i + 2] is not ("key" or "value"))
                {
                    errors.Add($"{key}: expected '{prefix}entry.N.key|value' for map {shapeName}");
                    return;
                }

                shapeName = shape[parts[i + 2]]!["shape"]!.GetValue<string>();
                prefix += $"entry.{index}.{parts[i + 2]}.";
                i += 3;
                continue;
            }

            if (i != parts.Length)
            {
                errors.Add($"{key}: {shapeName} is a {type}, but the key goes on");
                return;
            }

            CheckScalar(shapeName, shape, type, value, query: true, key, errors);
            return;
        }
    }

    private static void Walk(ServiceModel model, string shapeName, JsonNode? node, string path, List<string> errors)
    {
        var shape = model.Shape(shapeName);
        var type = shape["type"]!.GetValue<string>();
        if (node is null)
        {
            errors.Add($"{path}: null is never valid on the wire ({shapeName})");
            return;
        }

        switch (type)
        {
            case "structure":
                if (node is not JsonObject obj)
                {
                    errors.Add($"{path}: {shapeName} must be an object");
                    return;
                }

                var members = shape["members"]?.AsObject() ?? [];
                foreach (var (name, value) in obj)
                {
                    if (!members.ContainsKey(name))
                    {
                        errors.Add($"{path}.{name}: {shapeName} has no member '{name}'");
                        continue;
                    }

                    Walk(model, members[name]!["shape"]!.GetValue<string>(), value, $"{path}.{name}", errors);
                }

                foreach (var required in Required(shape))
                {
                    if (!obj.ContainsKey(required))
                    {
                        errors.Add($"{path}: required member {required} of {shapeName} is missing");
                    }
                }

                return;
            case "list":
                if (node is not JsonArray array)
                {
                    errors.Add($"{path}: {shapeName} must be an array");
                    return;
                }

                for (var i = 0; i < array.Count; i++)
                {
                    Walk(model, shape["member"]!["shape"]!.GetValue<string>(), array[i], $"{path}[{i}]", errors);
                }

                return;
            case "map":
                if (node is not JsonObject map)
                {
                    errors.Add($"{path}: {shapeName} must be an object (map)");
                    return;
                }

                foreach (var (key, value) in map)
                {
                    CheckScalar(shape["key"]!["shape"]!.GetValue<string>(), model.Shape(shape["key"]!["shape"]!.GetValue<string>()), "string", key, query: true, $"{path}<key>", errors);
                    Walk(model, shape["value"]!["shape"]!.GetValue<string>(), value, $"{path}[{key}]", errors);
                }

                return;
            default:
                if (node is not JsonValue scalar)
                {
                    errors.Add($"{path}: {shapeName} must be a {type} value");
                    return;
                }

                var element = scalar.GetValue<JsonElement>();
                switch (type)
                {
                    case "string" or "blob" when element.ValueKind != JsonValueKind.String:
                    case "integer" or "long" when element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out _):
                    case "double" or "float" when element.ValueKind != JsonValueKind.Number:
                    case "timestamp" when element.ValueKind != JsonValueKind.Number:
                    case "boolean" when element.ValueKind is not (JsonValueKind.True or JsonValueKind.False):
                        errors.Add($"{path}: {shapeName} must be a {type} but is {element.ValueKind}");
                        return;
                }

                if (element.ValueKind == JsonValueKind.String)
                {
                    CheckScalar(shapeName, shape, type, element.GetString()!, query: false, path, errors);
                }

                return;
        }
    }

    private static void CheckScalar(string shapeName, JsonObject shape, string type, string value, bool query, string path, List<string> errors)
    {
        if (type == "string" && shape["enum"] is JsonArray allowed && !allowed.Any(v => v!.GetValue<string>() == value))
        {
            errors.Add($"{path}: '{value}' is not a value of enum {shapeName} ({string.Join(", ", allowed.Select(v => v!.GetValue<string>()))})");
        }

        var ok = type switch
        {
            "string" => true,
            "blob" => IsBase64(value),
            "integer" or "long" => !query || long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            "double" or "float" => !query || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            "boolean" => !query || value is "true" or "false",
            "timestamp" => !query || Iso8601().IsMatch(value),
            _ => false,
        };
        if (!ok)
        {
            errors.Add($"{path}: '{value}' is not a valid {type} ({shapeName})");
        }
    }

    private static bool IsBase64(string value) => Convert.TryFromBase64String(value, new byte[value.Length], out _);

    private static IEnumerable<string> Required(JsonObject shape) =>
        shape["required"] is JsonArray required ? required.Select(r => r!.GetValue<string>()) : [];

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")]
    private static partial Regex Iso8601();
}

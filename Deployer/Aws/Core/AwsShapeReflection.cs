using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Aspire.Deployer.Aws;

/// <summary>How a record property maps to a model member: its wire name and its kind.</summary>
internal sealed record AwsMemberInfo(PropertyInfo Property, string WireName);

/// <summary>Reflection over the request/response records, shared by the Query protocol and the tests.</summary>
internal static class AwsShapeReflection
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<AwsMemberInfo>> Members = new();

    public static IReadOnlyList<AwsMemberInfo> MembersOf(Type type) =>
        Members.GetOrAdd(type, static t => t
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .Select(p => new AwsMemberInfo(p, p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? p.Name))
            .ToList());

    /// <summary>The element type when <paramref name="type"/> is IReadOnlyList&lt;T&gt; (or another list), else null.</summary>
    public static Type? ListElement(Type type)
    {
        if (type == typeof(string) || type == typeof(byte[]))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() is var def
            && (def == typeof(IReadOnlyList<>) || def == typeof(List<>) || def == typeof(IList<>) || def == typeof(IEnumerable<>) || def == typeof(IReadOnlyCollection<>)))
        {
            return type.GetGenericArguments()[0];
        }

        return null;
    }

    /// <summary>The value type when <paramref name="type"/> is IReadOnlyDictionary&lt;string, T&gt;, else null.</summary>
    public static Type? MapValue(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() is var def
            && (def == typeof(IReadOnlyDictionary<,>) || def == typeof(Dictionary<,>) || def == typeof(IDictionary<,>)))
        {
            return type.GetGenericArguments()[1];
        }

        return null;
    }

    /// <summary>True for the scalar CLR types the models use (string, numbers, bool, timestamps, blobs).</summary>
    public static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(string) || type == typeof(int) || type == typeof(long) || type == typeof(bool)
            || type == typeof(double) || type == typeof(DateTimeOffset) || type == typeof(byte[]);
    }
}

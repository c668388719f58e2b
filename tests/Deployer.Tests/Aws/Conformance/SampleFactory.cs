using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using Aspire.Deployer.Aws;

namespace Aspire.Deployer.Tests.Aws.Conformance;

/// <summary>
/// Builds request records by reflection: "full" fills every property (recursively), "minimal" only the C#
/// <c>required</c> ones. Enum-typed members get a value from their [AwsEnum] constants, never from the model,
/// so the validator really checks what the code would send.
/// </summary>
internal static class SampleFactory
{
    private const int MaxDepth = 8;

    public static object Create(Type type, bool full) => CreateStructure(type, full, 0);

    public static bool IsRequired(PropertyInfo property) => property.GetCustomAttribute<RequiredMemberAttribute>() is not null;

    private static object CreateStructure(Type type, bool full, int depth)
    {
        var instance = Activator.CreateInstance(type) ?? throw new InvalidOperationException($"cannot create {type}");
        var members = AwsShapeReflection.MembersOf(type);

        // A nested structure without required members would be empty on the wire (and vanish from a Query form),
        // so the minimal sample gives it its first member.
        var firstOnly = !full && depth > 0 && !members.Any(m => IsRequired(m.Property)) ? members.FirstOrDefault()?.Property : null;
        foreach (var member in members)
        {
            var property = member.Property;
            if (!property.CanWrite || (!full && !IsRequired(property) && property != firstOnly))
            {
                continue;
            }

            if (depth >= MaxDepth && !IsRequired(property) && !AwsShapeReflection.IsScalar(property.PropertyType))
            {
                continue;
            }

            property.SetValue(instance, Value(property.PropertyType, property, full, depth));
        }

        return instance;
    }

    private static object? Value(Type type, PropertyInfo property, bool full, int depth)
    {
        var scalar = Nullable.GetUnderlyingType(type) ?? type;
        if (scalar == typeof(string))
        {
            return property.GetCustomAttribute<AwsEnumAttribute>() is { } values
                ? values.ValuesType.GetFields(BindingFlags.Public | BindingFlags.Static).First(f => f.IsLiteral).GetRawConstantValue()
                : $"sample-{property.Name}";
        }

        if (scalar == typeof(int))
        {
            return 2;
        }

        if (scalar == typeof(long))
        {
            return 3L;
        }

        if (scalar == typeof(bool))
        {
            return true;
        }

        if (scalar == typeof(double))
        {
            return 1.5;
        }

        if (scalar == typeof(DateTimeOffset))
        {
            return new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
        }

        if (scalar == typeof(byte[]))
        {
            return new byte[] { 1, 2, 3 };
        }

        if (AwsShapeReflection.MapValue(type) is { } valueType)
        {
            var map = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType))!;
            map["sample-key"] = Value(valueType, property, full, depth + 1);
            return map;
        }

        if (AwsShapeReflection.ListElement(type) is { } elementType)
        {
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType))!;
            list.Add(Value(elementType, property, full, depth + 1));
            list.Add(Value(elementType, property, full, depth + 1));
            return list;
        }

        return CreateStructure(type, full, depth + 1);
    }
}

using System.Text.Json;

namespace NodeApp.Container.Tests.Infrastructure;

/// <summary>node-app's package.json and package-lock.json, read from the repository.</summary>
internal static class PackageJson
{
    private static readonly Lazy<JsonElement> Manifest = new(() => Read("package.json"));
    private static readonly Lazy<JsonElement> Lockfile = new(() => Read("package-lock.json"));

    public static string Name => Manifest.Value.GetProperty("name").GetString()!;

    public static string Version => Manifest.Value.GetProperty("version").GetString()!;

    /// <summary>Names listed under devDependencies (none is fine).</summary>
    public static IReadOnlyList<string> DevDependencies =>
        Manifest.Value.TryGetProperty("devDependencies", out var dev)
            ? dev.EnumerateObject().Select(p => p.Name).ToArray()
            : [];

    /// <summary>Lockfile package paths (e.g. node_modules/@scope/name) with their dev / optional flags.</summary>
    public static IReadOnlyList<(string Path, bool Dev, bool Optional)> LockedPackages =>
        Lockfile.Value.GetProperty("packages").EnumerateObject()
            .Where(p => p.Name.Length > 0)
            .Select(p => (p.Name, Flag(p.Value, "dev"), Flag(p.Value, "optional") || Flag(p.Value, "devOptional")))
            .ToArray();

    private static bool Flag(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static JsonElement Read(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.NodeApp, file)));
        return doc.RootElement.Clone();
    }
}

using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Conformance;

/// <summary>
/// The official AWS API models, read from the botocore installed on this machine (BOTOCORE_DATA, else located
/// through MOTO_PYTHON / python3). Missing botocore is a test failure with a clear message, never a skip.
/// </summary>
internal static class BotocoreModels
{
    private static readonly Lazy<string> DataDirectory = new(Locate);
    private static readonly ConcurrentDictionary<string, ServiceModel> Models = new();

    public static ServiceModel Get(string modelName) => Models.GetOrAdd(modelName, Load);

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("BOTOCORE_DATA") is { Length: > 0 } configured)
        {
            return Directory.Exists(configured) ? configured : throw new DirectoryNotFoundException($"BOTOCORE_DATA={configured} does not exist.");
        }

        var dir = Python.Run("import botocore,os;print(os.path.join(os.path.dirname(botocore.__file__),'data'))", TimeSpan.FromSeconds(30));
        return Directory.Exists(dir) ? dir : throw new DirectoryNotFoundException($"botocore's data directory '{dir}' does not exist.");
    }

    private static ServiceModel Load(string modelName)
    {
        var serviceDir = Path.Combine(DataDirectory.Value, modelName);
        var file = Directory.GetFiles(serviceDir, "service-2.json.gz", SearchOption.AllDirectories).Order(StringComparer.Ordinal).LastOrDefault()
            ?? throw new FileNotFoundException($"No service-2.json.gz under {serviceDir}.");
        using var stream = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        var root = JsonNode.Parse(stream)!.AsObject();
        return new ServiceModel(modelName, file, root);
    }
}

/// <summary>One botocore service model.</summary>
internal sealed class ServiceModel(string name, string path, JsonObject root)
{
    public string Name => name;

    public string Path => path;

    public JsonObject Metadata => root["metadata"]!.AsObject();

    public JsonObject Operations => root["operations"]!.AsObject();

    public JsonObject Shapes => root["shapes"]!.AsObject();

    public JsonObject Shape(string shapeName) => Shapes[shapeName]?.AsObject() ?? throw new KeyNotFoundException($"{name}: no shape {shapeName}");

    public string? InputShape(string operation) => Operation(operation)["input"]?["shape"]?.GetValue<string>();

    public string? OutputShape(string operation) => Operation(operation)["output"]?["shape"]?.GetValue<string>();

    public bool HasOperation(string operation) => Operations.ContainsKey(operation);

    public JsonObject Operation(string operation) =>
        Operations[operation]?.AsObject() ?? throw new KeyNotFoundException($"{name}: no operation {operation}");
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aspire.Deployer.Cost;

/// <summary>One price of the table, with where it comes from.</summary>
/// <param name="Price">USD per unit (per hour, GB or month, as its name says).</param>
/// <param name="Date">The date of its source.</param>
/// <param name="Source">Where the figure comes from.</param>
/// <param name="Estimate">True when no source confirmed the figure for that Region.</param>
public sealed record PriceFigure(decimal Price, string Date, string Source, bool Estimate);

/// <summary>The prices of one Region (the names are the keys of <c>Cost/prices.json</c>).</summary>
/// <param name="FargateX86VcpuHour">Fargate Linux/x86, per vCPU-hour.</param>
/// <param name="FargateX86GbHour">Fargate Linux/x86, per GB-hour of memory.</param>
/// <param name="FargateArmVcpuHour">Fargate Linux/ARM (Graviton), per vCPU-hour.</param>
/// <param name="FargateArmGbHour">Fargate Linux/ARM, per GB-hour.</param>
/// <param name="AlbHour">Application Load Balancer, per hour.</param>
/// <param name="AlbLcuHour">Application Load Balancer, per LCU-hour.</param>
/// <param name="PublicIpv4Hour">A public IPv4 address, per hour.</param>
/// <param name="LogsIngestionGb">CloudWatch Logs (Standard) ingestion, per GB.</param>
/// <param name="LogsStorageGbMonth">CloudWatch Logs storage, per GB-month.</param>
/// <param name="SecretMonth">Secrets Manager, per secret-month.</param>
public sealed record RegionPrices(
    PriceFigure FargateX86VcpuHour,
    PriceFigure FargateX86GbHour,
    PriceFigure FargateArmVcpuHour,
    PriceFigure FargateArmGbHour,
    PriceFigure AlbHour,
    PriceFigure AlbLcuHour,
    PriceFigure PublicIpv4Hour,
    PriceFigure LogsIngestionGb,
    PriceFigure LogsStorageGbMonth,
    PriceFigure SecretMonth)
{
    /// <summary>Every figure of the Region.</summary>
    public IEnumerable<PriceFigure> All =>
        [FargateX86VcpuHour, FargateX86GbHour, FargateArmVcpuHour, FargateArmGbHour, AlbHour, AlbLcuHour, PublicIpv4Hour, LogsIngestionGb, LogsStorageGbMonth, SecretMonth];
}

/// <summary>
/// The price table in the repository (<c>Deployer/Cost/prices.json</c>, embedded): on-demand list prices per Region,
/// each figure with its source, its date and whether it is an estimate. Only what the deploy runs is priced.
/// </summary>
/// <param name="Currency">The currency (USD).</param>
/// <param name="HoursPerMonth">Hours in a month (AWS's pricing pages use 730).</param>
/// <param name="Regions">The prices by Region.</param>
public sealed record PriceTable(string Currency, int HoursPerMonth, IReadOnlyDictionary<string, RegionPrices> Regions)
{
    /// <summary>The repository path of the table, for messages.</summary>
    public const string Path = "Deployer/Cost/prices.json";

    private static readonly Lazy<PriceTable> Embedded = new(Load);

    /// <summary>The table shipped with the Deployer.</summary>
    public static PriceTable Default => Embedded.Value;

    /// <summary>The prices of <paramref name="region"/>, or null when the table has none.</summary>
    /// <param name="region">The Region, e.g. <c>us-east-1</c>.</param>
    public RegionPrices? For(string region) => Regions.GetValueOrDefault(region);

    /// <summary>Reads a table in the format of <c>prices.json</c>.</summary>
    /// <param name="json">The JSON.</param>
    /// <exception cref="InvalidOperationException">A Region lacks a figure.</exception>
    public static PriceTable Parse(string json)
    {
        var table = JsonSerializer.Deserialize<PriceTable>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.Strict })
            ?? throw new InvalidOperationException($"{Path} is empty.");
        foreach (var (region, prices) in table.Regions)
        {
            if (prices.All.Any(p => p is null || string.IsNullOrWhiteSpace(p.Source) || string.IsNullOrWhiteSpace(p.Date)))
            {
                throw new InvalidOperationException($"{Path}: {region} lacks a price, its source or its date.");
            }
        }

        return table;
    }

    private static PriceTable Load()
    {
        using var stream = typeof(PriceTable).Assembly.GetManifestResourceStream("Aspire.Deployer.Cost.prices.json")
            ?? throw new InvalidOperationException($"{Path} is not embedded in the Deployer.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}

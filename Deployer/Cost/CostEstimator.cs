using System.Globalization;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Resources;

namespace Aspire.Deployer.Cost;

/// <summary>The prices, hours and assumptions one estimate is computed with.</summary>
/// <param name="Prices">The Region's prices.</param>
/// <param name="Hours">Hours in a month.</param>
/// <param name="Assumptions">What is assumed where the price depends on traffic.</param>
public sealed record Pricing(RegionPrices Prices, int Hours, CostAssumptions Assumptions);

/// <summary>
/// Prices a set of resource specs (the plan's desired state, or what exists now) with a Region's prices: the load
/// balancer's hours, its LCUs at the stated assumption and its public IPv4 addresses (one per availability zone of an
/// internet-facing one), each service's Fargate vCPU and GB hours by architecture and task count, the tasks' public
/// IPv4 addresses, and log ingestion and storage at the stated volume. A kind that costs money adds one rule.
/// </summary>
public static class CostEstimator
{
    private static readonly Func<IReadOnlyList<ResourceSpec>, Pricing, IEnumerable<CostItem>>[] Rules =
    [
        LoadBalancers,
        Services,
        LogGroups,
    ];

    /// <summary>What the app may pay for besides what is estimated.</summary>
    public static IReadOnlyList<string> NotPriced { get; } =
    [
        "data transfer out to the internet",
        "Container Insights metrics",
        "ECR image storage ($0.10 per GB-month)",
        "tasks autoscaling adds above the desired count",
    ];

    /// <summary>The estimate of <paramref name="plan"/>: its desired state against what exists; null when the table has no prices for its Region.</summary>
    /// <param name="plan">The plan, with its desired and current state.</param>
    /// <param name="assumptions">The stated assumptions.</param>
    /// <param name="table">The price table; the embedded one when null.</param>
    public static CostEstimate? Estimate(DeploymentPlan plan, CostAssumptions assumptions, PriceTable? table = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(assumptions);
        table ??= PriceTable.Default;
        if (plan.Desired is not { } desired || table.For(plan.Region) is not { } prices)
        {
            return null;
        }

        var pricing = new Pricing(prices, table.HoursPerMonth, assumptions);
        var items = Price(desired.Resources, pricing);
        var current = Price([.. (plan.Current?.Resources ?? []).Select(r => r.Spec)], pricing);
        var dates = prices.All.Select(p => p.Date).Order(StringComparer.Ordinal).ToList();
        return new CostEstimate(plan.Region, items.Sum(i => i.MonthlyUsd), current.Sum(i => i.MonthlyUsd), items,
            [
                string.Create(CultureInfo.InvariantCulture, $"{assumptions.LoadBalancerCapacityUnits:0.##} LCU on average (Aws:CostAssumedLcu)"),
                string.Create(CultureInfo.InvariantCulture, $"{assumptions.LogGigabytesPerServiceMonth:0.##} GB of logs per service a month (Aws:CostAssumedLogGb)"),
                string.Create(CultureInfo.InvariantCulture, $"{table.HoursPerMonth} hours a month, running all of them"),
            ],
            NotPriced,
            $"{PriceTable.Path}, {plan.Region}, sources dated {dates[0]} to {dates[^1]}, {prices.All.Count(p => p.Estimate)} of {prices.All.Count()} figures marked estimates");
    }

    /// <summary>The line a plan prints when its Region has no prices.</summary>
    /// <param name="region">The Region.</param>
    public static string MissingLine(string region) =>
        $"Cost: not estimated: {PriceTable.Path} has no prices for {region} (add them there, each with its source and date).";

    /// <summary>The cost lines of a set of specs.</summary>
    /// <param name="specs">Resources as desired, or as they exist.</param>
    /// <param name="pricing">Prices, hours and assumptions.</param>
    public static IReadOnlyList<CostItem> Price(IReadOnlyList<ResourceSpec> specs, Pricing pricing)
    {
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(pricing);
        return [.. Rules.SelectMany(rule => rule(specs, pricing))];
    }

    private static IEnumerable<CostItem> LoadBalancers(IReadOnlyList<ResourceSpec> specs, Pricing p)
    {
        foreach (var lb in specs.OfType<LoadBalancerSpec>())
        {
            yield return Item($"load balancer {lb.Name}", p.Hours, p.Prices.AlbHour, "h");
            yield return Item($"load balancer {lb.Name} capacity", p.Hours * (decimal)p.Assumptions.LoadBalancerCapacityUnits, p.Prices.AlbLcuHour, "LCU-h");
            if (lb.Scheme == "internet-facing")
            {
                yield return Item($"load balancer {lb.Name} public IPv4 ({lb.SubnetIds.Count} availability zones)", p.Hours * lb.SubnetIds.Count, p.Prices.PublicIpv4Hour, "address-h");
            }
        }
    }

    private static IEnumerable<CostItem> Services(IReadOnlyList<ResourceSpec> specs, Pricing p)
    {
        foreach (var service in specs.OfType<EcsServiceSpec>())
        {
            if (specs.OfType<TaskDefinitionSpec>().FirstOrDefault(t => t.Name == service.TaskFamily) is not { } task || service.DesiredCount == 0)
            {
                continue;
            }

            var (vcpu, gb) = (task.Cpu / 1024m, task.MemoryMiB / 1024m);
            var arm = task.CpuArchitecture == "ARM64";
            var taskHours = p.Hours * (decimal)service.DesiredCount;
            var who = $"Fargate {service.Owner ?? service.Name}: {Num(service.DesiredCount)} task(s) × {Num(vcpu)} vCPU, {Num(gb)} GB, {task.CpuArchitecture}";
            yield return Item(who + " (vCPU)", taskHours * vcpu, arm ? p.Prices.FargateArmVcpuHour : p.Prices.FargateX86VcpuHour, "vCPU-h");
            yield return Item(who + " (memory)", taskHours * gb, arm ? p.Prices.FargateArmGbHour : p.Prices.FargateX86GbHour, "GB-h");
            if (service.AssignPublicIp)
            {
                yield return Item($"Fargate {service.Owner ?? service.Name} public IPv4 (one per task)", taskHours, p.Prices.PublicIpv4Hour, "address-h");
            }
        }
    }

    private static IEnumerable<CostItem> LogGroups(IReadOnlyList<ResourceSpec> specs, Pricing p)
    {
        var gb = (decimal)p.Assumptions.LogGigabytesPerServiceMonth;
        foreach (var group in specs.OfType<LogGroupSpec>())
        {
            yield return Item($"logs {group.Name} ingestion", gb, p.Prices.LogsIngestionGb, "GB");
            // Steady state: what the retention keeps (forever: a year's worth, for a number).
            var months = Math.Min(group.RetentionDays ?? 365, 365) / 30.4m;
            yield return Item($"logs {group.Name} storage ({LogGroupSpec.Retention(group.RetentionDays)})", gb * months, p.Prices.LogsStorageGbMonth, "GB-month");
        }
    }

    private static CostItem Item(string what, decimal quantity, PriceFigure price, string unit) =>
        new(what, Math.Round(quantity * price.Price, 2, MidpointRounding.AwayFromZero),
            string.Create(CultureInfo.InvariantCulture, $"{Num(quantity)} {unit} × ${price.Price}"), price.Estimate);

    private static string Num(decimal value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

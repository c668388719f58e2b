using System.Globalization;

namespace Aspire.Deployer.Cost;

/// <summary>One line of a monthly cost estimate.</summary>
/// <param name="What">What is paid for (e.g. <c>Fargate node-app: 1 task × 0.25 vCPU, 0.5 GB, X86_64</c>).</param>
/// <param name="MonthlyUsd">USD a month, rounded to cents.</param>
/// <param name="Basis">How it is computed (quantity × price).</param>
/// <param name="Estimate">True when a price it uses is marked an estimate in the table.</param>
public sealed record CostItem(string What, decimal MonthlyUsd, string Basis, bool Estimate);

/// <summary>
/// What the deploy will run costs a month, what runs now costs, and the change the plan makes, from the price table
/// in the repository (<see cref="PriceTable"/>) and the stated assumptions. List prices, on demand, before taxes,
/// credits and the free tier.
/// </summary>
/// <param name="Region">The Region priced.</param>
/// <param name="MonthlyUsd">USD a month for what the deploy will run.</param>
/// <param name="CurrentMonthlyUsd">USD a month for what runs now (of this app and environment).</param>
/// <param name="Items">The lines of <paramref name="MonthlyUsd"/>.</param>
/// <param name="Assumptions">What the estimate assumes where the price depends on traffic.</param>
/// <param name="NotPriced">What the app may also pay for that is not in the estimate.</param>
/// <param name="Prices">Where the prices come from: the table, its dates, and how many figures are estimates.</param>
public sealed record CostEstimate(
    string Region,
    decimal MonthlyUsd,
    decimal CurrentMonthlyUsd,
    IReadOnlyList<CostItem> Items,
    IReadOnlyList<string> Assumptions,
    IReadOnlyList<string> NotPriced,
    string Prices)
{
    /// <summary>The monthly change the plan makes (positive: it costs more).</summary>
    public decimal ChangeUsd => MonthlyUsd - CurrentMonthlyUsd;

    /// <summary>The estimate as lines for the plan.</summary>
    public IReadOnlyList<string> ToLines()
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"Cost ({Region}, list prices): about ${MonthlyUsd:0.00} a month to run; now ${CurrentMonthlyUsd:0.00}, so {Signed(ChangeUsd)} a month."),
        };
        lines.AddRange(Items.Select(i => string.Create(CultureInfo.InvariantCulture, $"  {i.MonthlyUsd,8:0.00}  {i.What}: {i.Basis}{(i.Estimate ? " *" : "")}")));
        lines.Add("  Assumed: " + string.Join("; ", Assumptions) + ".");
        lines.Add("  Not priced: " + string.Join("; ", NotPriced) + ".");
        lines.Add("  Prices: " + Prices + (Items.Any(i => i.Estimate) ? " (* uses a figure marked an estimate)" : "") + ".");
        return lines;
    }

    private static string Signed(decimal usd) => (usd >= 0 ? "+$" : "-$") + Math.Abs(usd).ToString("0.00", CultureInfo.InvariantCulture);
}

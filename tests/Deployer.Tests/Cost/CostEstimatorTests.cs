using System.Text.Json;
using Aspire.Deployer.Cost;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Tests.Images.Infrastructure;
using Aspire.Deployer.Tests.Resources;

namespace Aspire.Deployer.Tests.Cost;

/// <summary>
/// The plan's monthly cost: the price table in the repository is complete, sourced and dated per figure and Region;
/// the estimate of a deployment is the hand-computed sum of load balancer hours, LCUs at the stated assumption, public
/// IPv4 addresses, Fargate vCPU and GB hours by architecture and count, and logs at the stated volume; the change a
/// plan makes is the desired cost against what exists.
/// </summary>
public sealed class CostEstimatorTests
{
    private static DeploymentPlan Plan(DeploymentDescription deployment, CurrentState current, string region = PlanSamples.Region)
    {
        var desired = PlanSamples.Build(deployment, PlanSamples.Network, new AwsTarget(region));
        return new DeploymentPlan(deployment.App, deployment.Environment, region, null, PlanSamples.Network, Planner.Compute(desired, current)) { Desired = desired, Current = current };
    }

    [Fact]
    public void PriceTable_InTheRepository_IsTheEmbeddedOne_AndEveryFigureHasASourceADateAndAnEstimateMark()
    {
        var file = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, PriceTable.Path));
        var table = PriceTable.Parse(file);

        Assert.Equal(table.Regions.Keys.Order(), PriceTable.Default.Regions.Keys.Order());
        Assert.Equal(730, table.HoursPerMonth);
        Assert.Contains("us-east-1", table.Regions.Keys);
        Assert.All(table.Regions.Values.SelectMany(r => r.All), p =>
        {
            Assert.True(p.Price > 0);
            Assert.Matches("^20[0-9]{2}-[01][0-9]-[0-3][0-9]$", p.Date);
        });
        // us-east-1's figures come from sources; a figure only assumed for a Region says so.
        Assert.DoesNotContain(table.Regions["us-east-1"].All, p => p.Estimate);
        Assert.All(table.Regions.Values.SelectMany(r => r.All).Where(p => p.Source.Contains("assumed", StringComparison.OrdinalIgnoreCase)), p => Assert.True(p.Estimate));
        using var json = JsonDocument.Parse(file);
        Assert.All(json.RootElement.GetProperty("regions").EnumerateObject(), r => Assert.Equal(10, r.Value.EnumerateObject().Count()));
    }

    [Fact]
    public void Estimate_OneSmallTaskBehindALoadBalancerInTwoZones_IsTheHandComputedSum()
    {
        var estimate = CostEstimator.Estimate(Plan(PlanSamples.Deployment(), CurrentState.Empty), new CostAssumptions())!;

        // 730 h: ALB 0.0225/h; 1 LCU at 0.008; 2 ALB addresses + 1 task address at 0.005; 0.25 vCPU at 0.04048 and
        // 0.5 GB at 0.004445; 1 GB of logs at 0.50 and its 30 days of storage at 0.03.
        var expected = new Dictionary<string, decimal>
        {
            ["load balancer shop-test"] = 16.43m,
            ["load balancer shop-test capacity"] = 5.84m,
            ["load balancer shop-test public IPv4 (2 availability zones)"] = 7.30m,
            ["Fargate web: 1 task(s) × 0.25 vCPU, 0.5 GB, X86_64 (vCPU)"] = 7.39m,
            ["Fargate web: 1 task(s) × 0.25 vCPU, 0.5 GB, X86_64 (memory)"] = 1.62m,
            ["Fargate web public IPv4 (one per task)"] = 3.65m,
            ["logs /ecs/shop/test/web ingestion"] = 0.50m,
            ["logs /ecs/shop/test/web storage (30 days)"] = 0.03m,
        };
        Assert.Equal(expected, estimate.Items.ToDictionary(i => i.What, i => i.MonthlyUsd));
        Assert.Equal(42.76m, estimate.MonthlyUsd);
        Assert.Equal((0m, 42.76m), (estimate.CurrentMonthlyUsd, estimate.ChangeUsd));
        var lines = estimate.ToLines();
        Assert.Equal("Cost (us-east-1, list prices): about $42.76 a month to run; now $0.00, so +$42.76 a month.", lines[0]);
        Assert.Contains(lines, l => l.Contains("1 LCU on average (Aws:CostAssumedLcu)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  Not priced: data transfer out", StringComparison.Ordinal));
    }

    [Fact]
    public void Estimate_ThePlansChange_IsDesiredAgainstWhatRuns_ByCountArchitectureAndAssumptions()
    {
        var deployment = PlanSamples.Deployment();
        var running = new CurrentState(PlanSamples.Matching(PlanSamples.Desired(deployment)));
        var three = PlanSamples.Deployment(configure: o => o.DesiredCount = 3);
        var arm = PlanSamples.Deployment(configure: o => o.Architecture = CpuArchitecture.ARM64);

        var same = CostEstimator.Estimate(Plan(deployment, running), new CostAssumptions())!;
        var more = CostEstimator.Estimate(Plan(three, running), new CostAssumptions())!;
        var cheaper = CostEstimator.Estimate(Plan(arm, running), new CostAssumptions())!;
        var busy = CostEstimator.Estimate(Plan(deployment, running), new CostAssumptions { LoadBalancerCapacityUnits = 10, LogGigabytesPerServiceMonth = 20 })!;

        Assert.Equal(0m, same.ChangeUsd);
        // Two more tasks: their vCPU, memory and addresses (2 × (7.39 + 1.62 + 3.65), to the cent of each line).
        Assert.Equal(25.32m, more.ChangeUsd);
        // Graviton: 730 × (0.25 × 0.03238 + 0.5 × 0.00356) = 5.91 + 1.30, against 7.39 + 1.62.
        Assert.Equal(-1.80m, cheaper.ChangeUsd);
        Assert.Equal(0m, busy.ChangeUsd);
        Assert.Equal(42.76m + 9 * 5.84m + 19 * 0.50m + 0.56m, busy.MonthlyUsd);
    }

    [Fact]
    public void PlanReport_PrintsAndWritesTheCostAndThePredictedRolloutAfterThePlan()
    {
        var report = Aspire.Deployer.Verbs.PlanReport.Of(Plan(PlanSamples.Deployment(), CurrentState.Empty), new CostAssumptions(), new WaitOptions());

        var lines = report.ToLines();
        var summary = lines.ToList().FindIndex(l => l.StartsWith("Plan: ", StringComparison.Ordinal));
        Assert.StartsWith("Cost (us-east-1, list prices): about $42.76 a month", lines[summary + 1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("Predicted rollout: about ", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(report.ToJson());
        Assert.Equal(42.76m, json.RootElement.GetProperty("cost").GetProperty("monthlyUsd").GetDecimal());
        Assert.Equal("FirstDeploy", json.RootElement.GetProperty("predictedRollout").GetProperty("services")[0].GetProperty("kind").GetString());
        Assert.True(json.RootElement.GetProperty("hasChanges").GetBoolean());
    }

    [Fact]
    public void Estimate_ARegionWithoutPrices_IsNotGuessed()
    {
        var plan = Plan(PlanSamples.Deployment(), CurrentState.Empty, region: "ap-southeast-7");

        Assert.Null(CostEstimator.Estimate(plan, new CostAssumptions()));
        Assert.Contains("Deployer/Cost/prices.json has no prices for ap-southeast-7", CostEstimator.MissingLine("ap-southeast-7"));
    }
}

using System.Globalization;
using Aspire.Deployer.Cost;
using Aspire.Deployer.Diagnosis;
using Aspire.Deployer.Timing;

namespace Aspire.Deployer.Verbs;

/// <summary>How long a deploy's rollout was predicted to take, and took.</summary>
/// <param name="PredictedSeconds">The plan's prediction (<see cref="RolloutForecast.TotalSeconds"/>).</param>
/// <param name="MeasuredSeconds">From the first change to every rollout seen COMPLETED and healthy; null when the deploy failed before.</param>
/// <param name="Forecast">The predicted steps.</param>
public sealed record RolloutTime(double PredictedSeconds, double? MeasuredSeconds, RolloutForecast Forecast);

/// <summary>The parts of the summary a user needs after the first day: cost, rollout time, and why a rollout failed.</summary>
public sealed partial record DeploySummary
{
    /// <summary>What the deployed app costs a month, and the change this deploy made to it; null when not estimated.</summary>
    public CostEstimate? Cost { get; init; }

    /// <summary>The rollout's predicted and measured time; null when the deploy started no rollout.</summary>
    public RolloutTime? Rollout { get; init; }

    /// <summary>Why the rollout failed, per service; null when it did not fail.</summary>
    public IReadOnlyList<ServiceDiagnosis>? Diagnosis { get; init; }

    private IEnumerable<string> DayTwoLines()
    {
        if (Rollout is { } rollout)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"  rollout: {(rollout.MeasuredSeconds is { } measured ? $"{measured:0} s measured" : "not finished")}, {rollout.PredictedSeconds:0} s predicted");
        }

        if (Cost is { } cost)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"  cost: about ${cost.MonthlyUsd:0.00} a month ({cost.Region} list prices; {(cost.ChangeUsd >= 0 ? "+" : "-")}${Math.Abs(cost.ChangeUsd):0.00} by this deploy)");
        }

        foreach (var line in (Diagnosis ?? []).SelectMany(d => d.ToLines()))
        {
            yield return "  " + line;
        }
    }
}

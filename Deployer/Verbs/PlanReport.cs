using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Aspire.Deployer.Cost;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Timing;

namespace Aspire.Deployer.Verbs;

/// <summary>
/// A plan as the plan and deploy steps print it: the changes, then what the deploy will cost a month (and the change
/// the plan makes to it), then how long its rollout is predicted to take.
/// </summary>
/// <param name="Plan">The plan.</param>
/// <param name="Cost">The cost estimate; null when the price table has no prices for the plan's Region.</param>
/// <param name="Forecast">The predicted rollout; null when the plan carries no desired state.</param>
public sealed record PlanReport(DeploymentPlan Plan, CostEstimate? Cost, RolloutForecast? Forecast)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The report of <paramref name="plan"/>.</summary>
    /// <param name="plan">The plan (with its desired and current state).</param>
    /// <param name="cost">What the cost estimate assumes.</param>
    /// <param name="wait">How the deploy waits (its polls are part of the predicted time).</param>
    /// <param name="iamSettle">How long the deploy lets IAM settle after a role change; null: the default.</param>
    public static PlanReport Of(DeploymentPlan plan, CostAssumptions cost, WaitOptions wait, TimeSpan? iamSettle = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new PlanReport(plan, CostEstimator.Estimate(plan, cost), RolloutForecaster.Predict(plan, wait, iamSettle));
    }

    /// <summary>The plan's lines, the cost lines and the forecast lines.</summary>
    public IReadOnlyList<string> ToLines()
    {
        var lines = new List<string>(Plan.ToLines());
        lines.AddRange(Cost?.ToLines() ?? [CostEstimator.MissingLine(Plan.Region)]);
        lines.AddRange(Forecast?.ToLines() ?? []);
        return lines;
    }

    /// <summary>The plan's JSON (<see cref="DeploymentPlan.ToJson"/>) with <c>cost</c> and <c>predictedRollout</c> added.</summary>
    public string ToJson()
    {
        var node = JsonNode.Parse(Plan.ToJson())!.AsObject();
        node["cost"] = Cost is null ? null : JsonSerializer.SerializeToNode(Cost, Json);
        node["predictedRollout"] = Forecast is null ? null : JsonSerializer.SerializeToNode(Forecast, Json);
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = Json.Encoder });
    }
}

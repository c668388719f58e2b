namespace Aspire.Deployer.Settings;

/// <summary>The plan verb's settings, from the AppHost's configuration section <c>Aws</c> (see <see cref="AwsSettings.Plan"/>).</summary>
/// <param name="Network">Aws:VpcId and Aws:SubnetIds (a list, or one comma-separated value).</param>
/// <param name="Region">Aws:Region; null for the standard chain (AWS_REGION, the profile, ...).</param>
/// <param name="PlanFile">Aws:PlanFile: where to write the plan as JSON; null for nowhere.</param>
public sealed record PlanSettings(NetworkSettings Network, string? Region, string? PlanFile)
{
    /// <summary>Aws:CostAssumedLcu and Aws:CostAssumedLogGb: what the plan's cost estimate assumes.</summary>
    public CostAssumptions Cost { get; init; } = new();
}

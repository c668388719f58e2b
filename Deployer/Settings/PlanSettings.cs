using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Settings;

/// <summary>The plan verb's settings, from the AppHost's configuration section <c>Aws</c>.</summary>
/// <param name="Network">Aws:VpcId and Aws:SubnetIds (a list, or one comma-separated value).</param>
/// <param name="Region">Aws:Region; null for the standard chain (AWS_REGION, the profile, ...).</param>
/// <param name="PlanFile">Aws:PlanFile: where to write the plan as JSON; null for nowhere.</param>
public sealed record PlanSettings(NetworkSettings Network, string? Region, string? PlanFile)
{
    /// <summary>Reads the settings from the <c>Aws</c> section.</summary>
    /// <param name="configuration">The AppHost's configuration.</param>
    public static PlanSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Aws");
        var subnets = section.GetSection("SubnetIds").GetChildren().Select(c => c.Value).ToList();
        if (subnets.Count == 0 && section["SubnetIds"] is { } joined)
        {
            subnets = [.. joined.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }

        return new PlanSettings(
            new NetworkSettings(Blank(section["VpcId"]), [.. subnets.OfType<string>().Where(s => s.Length > 0)]),
            Blank(section["Region"]),
            Blank(section["PlanFile"]));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

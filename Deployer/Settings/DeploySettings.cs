using Aspire.Deployer.Model;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Settings;

/// <summary>The deploy verb's settings, from the AppHost's configuration section <c>Aws</c>.</summary>
public sealed record DeploySettings
{
    /// <summary>Aws:VpcId and Aws:SubnetIds.</summary>
    public NetworkSettings Network { get; init; } = NetworkSettings.Default;

    /// <summary>Aws:Region; null for the standard chain.</summary>
    public string? Region { get; init; }

    /// <summary>Aws:DeployTimeoutMinutes, Aws:DeployPollSeconds, Aws:WaitForHealthyTargets.</summary>
    public WaitOptions Wait { get; init; } = new();

    /// <summary>Aws:SummaryFile: where the JSON summary goes; null for the default (see <see cref="DefaultSummaryFile"/>).</summary>
    public string? SummaryFile { get; init; }

    /// <summary>The summary file used when <c>Aws:SummaryFile</c> is not set, relative to the AppHost's directory.</summary>
    public const string DefaultSummaryFile = ".aspire/aws-deploy-summary.json";

    /// <summary>Reads the settings from the <c>Aws</c> section.</summary>
    /// <param name="configuration">The AppHost's configuration.</param>
    public static DeploySettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var plan = PlanSettings.FromConfiguration(configuration);
        var section = configuration.GetSection("Aws");
        var defaults = new WaitOptions();
        var timeout = section.GetValue<double?>("DeployTimeoutMinutes");
        var poll = section.GetValue<double?>("DeployPollSeconds");
        if (timeout is <= 0 || poll is <= 0)
        {
            throw new DeploymentValidationException(["Aws:DeployTimeoutMinutes and Aws:DeployPollSeconds must be positive numbers."]);
        }

        return new DeploySettings
        {
            Network = plan.Network,
            Region = plan.Region,
            SummaryFile = string.IsNullOrWhiteSpace(section["SummaryFile"]) ? null : section["SummaryFile"]!.Trim(),
            Wait = new WaitOptions
            {
                Timeout = timeout is { } m ? TimeSpan.FromMinutes(m) : defaults.Timeout,
                PollInterval = poll is { } s ? TimeSpan.FromSeconds(s) : defaults.PollInterval,
                RequireHealthyTargets = section.GetValue<bool?>("WaitForHealthyTargets") ?? true,
            },
        };
    }
}

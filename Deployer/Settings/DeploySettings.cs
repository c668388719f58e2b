namespace Aspire.Deployer.Settings;

/// <summary>The deploy verb's settings, from the AppHost's configuration section <c>Aws</c> (see <see cref="AwsSettings.Deploy"/>).</summary>
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
}

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

    /// <summary>Aws:IamSettleSeconds: how long apply waits for IAM changes to reach the services that use them.</summary>
    public PropagationOptions Propagation { get; init; } = new();

    /// <summary>Aws:SummaryFile: where the JSON summary goes; null for the default (see <see cref="DefaultSummaryFile"/>).</summary>
    public string? SummaryFile { get; init; }

    /// <summary>Aws:CostAssumedLcu and Aws:CostAssumedLogGb: what the cost estimate in the plan and the summary assumes.</summary>
    public CostAssumptions Cost { get; init; } = new();

    /// <summary>The summary file used when <c>Aws:SummaryFile</c> is not set, relative to the AppHost's directory.</summary>
    public const string DefaultSummaryFile = ".aspire/aws-deploy-summary.json";
}

/// <summary>
/// How long a deploy gives IAM, which is eventually consistent (IAM User Guide, "Changes that I make are not always
/// immediately visible"), before the services use a role it just created or changed.
/// </summary>
public sealed record PropagationOptions
{
    /// <summary>The most time to wait until IAM shows a new role at all (GetRole finds it). Default 2 minutes.</summary>
    public TimeSpan IamTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Time between GetRole checks. Default 1 second.</summary>
    public TimeSpan IamPoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The settle after IAM shows the role, for ECS and STS to see it too (<c>Aws:IamSettleSeconds</c>, default 10 s).</summary>
    public TimeSpan IamSettle { get; init; } = TimeSpan.FromSeconds(10);
}

using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Settings;

/// <summary>
/// Every deploy setting: the AppHost's configuration section <c>Aws</c> (<c>appsettings.json</c>, <c>Aws__X</c>
/// environment variables or <c>--Aws:X=</c> arguments), bound once per run by <see cref="Bind"/>. Each property marked
/// <see cref="AwsSettingAttribute"/> is one key (<c>Aws:&lt;property&gt;</c>); a key that is none of them is refused
/// before any AWS call. Values left unset are null here and take the default of the options record that uses them
/// (<see cref="WaitOptions"/>, <see cref="ImagePipelineOptions"/>, ...), so each default is written once.
/// </summary>
public sealed record AwsSettings
{
    /// <summary>The configuration section holding every deploy setting.</summary>
    public const string SectionName = "Aws";

    /// <summary>The app name used when <c>Aws:AppName</c> is not set.</summary>
    public const string DefaultAppName = "aspire-node";

    /// <summary>The key under which each resource's ECS settings sit: <c>Aws:Services:&lt;resource&gt;:&lt;option&gt;</c>.</summary>
    public const string ServicesKey = "Services";

    /// <summary>First part of every AWS name and the <c>aspire:app</c> tag (default <see cref="DefaultAppName"/>).</summary>
    [AwsSetting]
    public string? AppName { get; init; }

    /// <summary>Second part of every name and the <c>aspire:environment</c> tag; null: the Aspire environment, lowercased.</summary>
    [AwsSetting]
    public string? Environment { get; init; }

    /// <summary>The region; null: the AWS chain (AWS_REGION, the profile, instance metadata).</summary>
    [AwsSetting]
    public string? Region { get; init; }

    /// <summary>The VPC; null: the region's default VPC.</summary>
    [AwsSetting]
    public string? VpcId { get; init; }

    /// <summary>The subnets (a list, or one comma-separated value); empty: one per availability zone of the VPC.</summary>
    [AwsSetting]
    public IReadOnlyList<string> SubnetIds { get; init; } = [];

    /// <summary>The load balancer's own subnets (public ones, one per zone); empty: <see cref="SubnetIds"/>, or chosen.</summary>
    [AwsSetting]
    public IReadOnlyList<string> LoadBalancerSubnetIds { get; init; } = [];

    /// <summary>The tasks' own subnets (private ones behind NAT, in the load balancer's zones); empty: <see cref="SubnetIds"/>, or chosen.</summary>
    [AwsSetting]
    public IReadOnlyList<string> TaskSubnetIds { get; init; } = [];

    /// <summary>Also write the plan as JSON to this file; null: nowhere.</summary>
    [AwsSetting]
    public string? PlanFile { get; init; }

    /// <summary>Push images to this registry (<c>host[:port][/prefix]</c>) instead of ECR; null: ECR.</summary>
    [AwsSetting]
    public string? Registry { get; init; }

    /// <summary>Push without the local health check (loudly; the tag ends in <c>-unverified</c>); null: false.</summary>
    [AwsSetting]
    public bool? SkipSmokeTest { get; init; }

    /// <summary>How long the smoke test waits for the health path, in seconds; null: the image pipeline's default.</summary>
    [AwsSetting]
    public double? SmokeTestTimeoutSeconds { get; init; }

    /// <summary>How long the deploy waits for a steady, healthy rollout, in minutes; null: <see cref="WaitOptions"/>' default.</summary>
    [AwsSetting]
    public double? DeployTimeoutMinutes { get; init; }

    /// <summary>Seconds between checks while the deploy waits; null: <see cref="WaitOptions"/>' default.</summary>
    [AwsSetting]
    public double? DeployPollSeconds { get; init; }

    /// <summary>False skips the target-health check (only for emulators such as moto); null: true.</summary>
    [AwsSetting]
    public bool? WaitForHealthyTargets { get; init; }

    /// <summary>Seconds a deploy waits after IAM shows a role it created or changed, before ECS uses it; null: <see cref="PropagationOptions"/>' default.</summary>
    [AwsSetting]
    public double? IamSettleSeconds { get; init; }

    /// <summary>An S3 bucket for the load balancer's access logs (its policy must let ELB write to it); null: no access logs.</summary>
    [AwsSetting]
    public string? AccessLogsBucket { get; init; }

    /// <summary>Where the deploy writes its JSON summary; null: <see cref="DeploySettings.DefaultSummaryFile"/>.</summary>
    [AwsSetting]
    public string? SummaryFile { get; init; }

    /// <summary>How many recent service events the status step shows; null: the status verb's default.</summary>
    [AwsSetting]
    public int? StatusEvents { get; init; }

    /// <summary>True: destroy deletes the app's secrets at once; null or false: it schedules them for deletion with Secrets Manager's 30-day recovery window.</summary>
    [AwsSetting]
    public bool? DeleteSecretsWithoutRecovery { get; init; }

    /// <summary>Where <c>aws-logs</c> starts: a duration back from now (<c>90s</c>, <c>10m</c>, <c>2h</c>, <c>1d</c>) or a past ISO 8601 time; null: 10 minutes.</summary>
    [AwsSetting]
    public string? LogsSince { get; init; }

    /// <summary>True: <c>aws-logs</c> keeps printing new lines until interrupted (Ctrl+C); null: false.</summary>
    [AwsSetting]
    public bool? LogsFollow { get; init; }

    /// <summary>A CloudWatch Logs filter pattern <c>aws-logs</c> applies (e.g. <c>ERROR</c>); null: every line.</summary>
    [AwsSetting]
    public string? LogsFilter { get; init; }

    /// <summary>The one resource whose logs <c>aws-logs</c> shows; null: every service of the app.</summary>
    [AwsSetting]
    public string? LogsService { get; init; }

    /// <summary>The task definition revision <c>aws-rollback</c> puts the service on; null: the revision before the running one.</summary>
    [AwsSetting]
    public int? RollbackTo { get; init; }

    /// <summary>The one resource <c>aws-rollback</c> rolls back; null: every service of the app.</summary>
    [AwsSetting]
    public string? RollbackService { get; init; }

    /// <summary>Load balancer capacity units the cost estimate assumes on average; null: <see cref="CostAssumptions"/>' default (1).</summary>
    [AwsSetting]
    public double? CostAssumedLcu { get; init; }

    /// <summary>GB of logs per service and month the cost estimate assumes; null: <see cref="CostAssumptions"/>' default (1).</summary>
    [AwsSetting]
    public double? CostAssumedLogGb { get; init; }

    /// <summary>
    /// The domain the app is served on over HTTPS (e.g. <c>app.example.com</c>): a certificate for it (and every
    /// service's Host) is requested from ACM and validated in the Route 53 public hosted zone that holds it, HTTPS on
    /// 443 and HTTP on 80 redirecting to it, alias records to the load balancer; null: a listener port per service.
    /// </summary>
    [AwsSetting]
    public string? Domain { get; init; }

    /// <summary>With <see cref="Domain"/>: the Route 53 hosted zone to use; null: the public zone that holds the domain.</summary>
    [AwsSetting]
    public string? HostedZoneId { get; init; }

    /// <summary>With <see cref="Domain"/>: an ISSUED ACM certificate of the region covering every host, used instead of requesting one.</summary>
    [AwsSetting]
    public string? CertificateArn { get; init; }

    /// <summary>With <see cref="Domain"/>: the HTTPS listener's TLS policy; null: <see cref="FrontDoor.DefaultSslPolicy"/>.</summary>
    [AwsSetting]
    public string? SslPolicy { get; init; }

    /// <summary>With <see cref="Domain"/>: how long the deploy waits for a requested certificate to be ISSUED, in minutes; null: 30.</summary>
    [AwsSetting]
    public double? CertificateTimeoutMinutes { get; init; }

    /// <summary>
    /// Per resource, how it runs on ECS (<c>Aws:Services:&lt;resource&gt;:Cpu</c>, ...: the properties of
    /// <see cref="EcsServiceOptions"/>), as configured; applied over the AppHost's <c>PublishAsEcsService</c> values by
    /// <see cref="ServiceOptions"/>. Keys are the resource names (case-insensitive), values the option keys and values.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>> Services { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string?>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registry credentials for <see cref="Registry"/>, read from the environment (never from configuration).</summary>
    public RegistryCredentials? RegistryCredentials { get; init; }

    /// <summary>The app name in effect: <see cref="AppName"/> or <see cref="DefaultAppName"/>.</summary>
    public string App => AppName ?? DefaultAppName;

    /// <summary>Where to run: <see cref="VpcId"/> and <see cref="SubnetIds"/>.</summary>
    public NetworkSettings Network => new(VpcId, SubnetIds, LoadBalancerSubnetIds, TaskSubnetIds);

    /// <summary>The plan verb's settings.</summary>
    public PlanSettings Plan => new(Network, Region, PlanFile) { Cost = Cost };

    /// <summary>What the cost estimate assumes; unset values keep <see cref="CostAssumptions"/>' defaults.</summary>
    public CostAssumptions Cost
    {
        get
        {
            var defaults = new CostAssumptions();
            return new CostAssumptions
            {
                LoadBalancerCapacityUnits = CostAssumedLcu ?? defaults.LoadBalancerCapacityUnits,
                LogGigabytesPerServiceMonth = CostAssumedLogGb ?? defaults.LogGigabytesPerServiceMonth,
            };
        }
    }

    /// <summary>The logs verb's options.</summary>
    public LogsOptions Logs => new() { Since = LogsSince, Follow = LogsFollow ?? false, FilterPattern = LogsFilter, Service = LogsService };

    /// <summary>The rollback verb's options (it waits as the deploy does).</summary>
    public RollbackOptions Rollback => new() { ToRevision = RollbackTo, Service = RollbackService, Wait = Wait };

    /// <summary>How long and how the deploy waits; unset values keep <see cref="WaitOptions"/>' defaults.</summary>
    public WaitOptions Wait
    {
        get
        {
            var defaults = new WaitOptions();
            return new WaitOptions
            {
                Timeout = DeployTimeoutMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : defaults.Timeout,
                PollInterval = DeployPollSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : defaults.PollInterval,
                RequireHealthyTargets = WaitForHealthyTargets ?? defaults.RequireHealthyTargets,
            };
        }
    }

    /// <summary>The front door of <see cref="Domain"/> (its host, zone and certificate settings); null without a domain.</summary>
    public FrontDoor? FrontDoor => Domain is null ? null : new FrontDoor(
        Model.FrontDoor.NormalizeHost(Domain)!,
        HostedZoneId is { } zone ? zone.Trim().Replace("/hostedzone/", "", StringComparison.Ordinal) : null,
        CertificateArn?.Trim(),
        SslPolicy?.Trim() ?? Model.FrontDoor.DefaultSslPolicy,
        TimeSpan.FromMinutes(CertificateTimeoutMinutes ?? DefaultCertificateTimeoutMinutes),
        Wait.PollInterval);

    /// <summary>Minutes the deploy waits for a requested certificate when <c>Aws:CertificateTimeoutMinutes</c> is not set
    /// (ACM validates within minutes once the zone is the one the domain's registrar delegates to).</summary>
    public const double DefaultCertificateTimeoutMinutes = 30;

    /// <summary>The deploy verb's settings.</summary>
    public DeploySettings Deploy => new()
    {
        Network = Network,
        Region = Region,
        Wait = Wait,
        SummaryFile = SummaryFile,
        Cost = Cost,
        Propagation = IamSettleSeconds is { } settle ? new PropagationOptions { IamSettle = TimeSpan.FromSeconds(settle) } : new PropagationOptions(),
    };

    /// <summary>How destroy waits and retries (<see cref="DestroyOptions"/>' defaults) and what it does with secrets.</summary>
    public DestroyOptions Destroy => new() { DeleteSecretsWithoutRecovery = DeleteSecretsWithoutRecovery ?? false };

    /// <summary>The image pipeline's options; unset values keep <see cref="ImagePipelineOptions"/>' defaults.</summary>
    public ImagePipelineOptions Images => new()
    {
        Registry = Registry,
        RegistryCredentials = RegistryCredentials,
        SkipSmokeTest = SkipSmokeTest ?? false,
        SmokeTestTimeout = SmokeTestTimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : new ImagePipelineOptions().SmokeTestTimeout,
    };

    /// <summary>The environment name in effect: <see cref="Environment"/>, or <paramref name="aspireEnvironment"/> lowercased.</summary>
    /// <param name="aspireEnvironment">The Aspire (host) environment name, e.g. <c>Production</c>.</param>
    public string EnvironmentFor(string aspireEnvironment) => Environment ?? aspireEnvironment.ToLowerInvariant();

    /// <summary>A resource's ECS options: <paramref name="fromCode"/> (the AppHost's values) with the configured ones over them.</summary>
    /// <param name="resource">The Aspire resource.</param>
    /// <param name="fromCode">The options set in code (<c>PublishAsEcsService</c>), or the defaults.</param>
    /// <returns>A new options object; <paramref name="fromCode"/> is not changed.</returns>
    /// <exception cref="InvalidOperationException">A configured value does not convert (checked already by <see cref="Bind"/>).</exception>
    public EcsServiceOptions ServiceOptions(string resource, EcsServiceOptions fromCode)
    {
        ArgumentNullException.ThrowIfNull(fromCode);
        var options = fromCode with { };
        if (Services.TryGetValue(resource, out var values))
        {
            new ConfigurationBuilder().AddInMemoryCollection(values).Build().Bind(options);
        }

        return options;
    }

    /// <summary>
    /// Binds the <c>Aws</c> section once. Refuses, listing every problem with how to fix it: a key that is no setting
    /// (naming the closest known key), a service the model lacks (when <paramref name="services"/> is given), a value
    /// that does not convert or is out of range, and registry credentials given by halves.
    /// </summary>
    /// <param name="configuration">The AppHost's configuration.</param>
    /// <param name="services">The model's deployable resource names; null skips the check of <c>Aws:Services:&lt;name&gt;</c>.</param>
    /// <param name="environment">Reads an environment variable (registry credentials); the process environment when null.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="DeploymentValidationException">Some setting is wrong; nothing was called.</exception>
    public static AwsSettings Bind(IConfiguration configuration, IReadOnlyCollection<string>? services = null, Func<string, string?>? environment = null) =>
        AwsSettingsBinder.Bind(configuration, services, environment);

    /// <summary>Every documented key, e.g. <c>Aws:AppName</c> and <c>Aws:Services:&lt;resource&gt;:Cpu</c>, in declaration order.</summary>
    public static IReadOnlyList<string> Keys => AwsSettingsBinder.DocumentedKeys;
}

/// <summary>Marks a property of <see cref="AwsSettings"/> as a configuration key of the same name under <c>Aws</c>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AwsSettingAttribute : Attribute
{
}

namespace Aspire.Deployer.Model;

/// <summary>CPU architecture of the Fargate tasks (and so of the image that is built for them).</summary>
public enum CpuArchitecture
{
    /// <summary>x86-64 (linux/amd64), the default.</summary>
    X86_64,

    /// <summary>Graviton (linux/arm64): about 20 % cheaper per vCPU-hour.</summary>
    ARM64,
}

/// <summary>Target-tracking autoscaling of the service's desired count on average CPU.</summary>
/// <param name="MinCount">Fewest tasks.</param>
/// <param name="MaxCount">Most tasks.</param>
/// <param name="TargetCpuPercent">Average CPU the scaling keeps the service at.</param>
public sealed record AutoScalingOptions(int MinCount, int MaxCount, int TargetCpuPercent = 60);

/// <summary>
/// How one resource runs on ECS. Every value has a default fit for a small production service; set only what
/// differs, in the AppHost (<c>PublishAsEcsService(o => o.Cpu = 512)</c>) or in configuration
/// (<c>Aws:Services:&lt;resource&gt;:Cpu</c>).
/// </summary>
public sealed record EcsServiceOptions
{
    /// <summary>CPU units (256 = a quarter vCPU). Must pair with <see cref="MemoryMiB"/> as Fargate allows.</summary>
    public int Cpu { get; set; } = FargateSize.Default.Cpu;

    /// <summary>Memory in MiB.</summary>
    public int MemoryMiB { get; set; } = FargateSize.Default.MemoryMiB;

    /// <summary>Tasks to run; 2 or more spreads them over two availability zones.</summary>
    public int DesiredCount { get; set; } = 1;

    /// <summary>CPU architecture of the tasks and the image.</summary>
    public CpuArchitecture Architecture { get; set; } = CpuArchitecture.X86_64;

    /// <summary>Optional autoscaling; <see cref="DesiredCount"/> is then only the starting count.</summary>
    public AutoScalingOptions? AutoScaling { get; set; }

    /// <summary>Without <c>Aws:Domain</c>: an ACM certificate ARN that makes the service's own listener port speak HTTPS
    /// (with <c>Aws:Domain</c> the front door's one certificate is <c>Aws:CertificateArn</c>).</summary>
    public string? CertificateArn { get; set; }

    /// <summary>With <c>Aws:Domain</c>: the host name requests for this service come to (a name in the domain's hosted zone,
    /// e.g. <c>api.example.com</c>); null: the domain itself.</summary>
    public string? Host { get; set; }

    /// <summary>With <c>Aws:Domain</c>: the path prefix (<c>/api</c>) of the requests for this service on its host; null:
    /// every path not claimed by a longer prefix. The service sees the full path.</summary>
    public string? PathPrefix { get; set; }

    /// <summary>
    /// Seconds ECS ignores failing load balancer health checks after a task starts. Null (the default): derived from
    /// how long the image took to become healthy in the smoke test (<see cref="RolloutTimings.GracePeriodSeconds"/>);
    /// kept as it is when the image was not measured in this run.
    /// </summary>
    public int? HealthCheckGracePeriodSeconds { get; set; }

    /// <summary>Days CloudWatch keeps the service's logs.</summary>
    public int LogRetentionDays { get; set; } = 30;

    /// <summary>
    /// The container's root filesystem is read-only (Security Hub ECS.5). Null: on for images built from the AppHost's
    /// Dockerfiles, off for existing images (a Redis or database image writes where its authors chose).
    /// </summary>
    public bool? ReadOnlyRootFilesystem { get; set; }
}

namespace Aspire.Deployer.Destroy;

/// <summary>The kinds of resource destroy removes, in the order it removes them (reverse dependency order).</summary>
public enum AppResourceKind
{
    /// <summary>An Application Auto Scaling scalable target of a service, with its policies.</summary>
    ScalableTarget,

    /// <summary>An ECS service.</summary>
    EcsService,

    /// <summary>One ACTIVE revision of a task definition family.</summary>
    TaskDefinition,

    /// <summary>The ECS cluster.</summary>
    Cluster,

    /// <summary>A listener of the app's load balancer.</summary>
    Listener,

    /// <summary>The Application Load Balancer.</summary>
    LoadBalancer,

    /// <summary>A target group.</summary>
    TargetGroup,

    /// <summary>A security group (the services' first, then the load balancer's).</summary>
    SecurityGroup,

    /// <summary>An IAM role (execution or task role).</summary>
    IamRole,

    /// <summary>A CloudWatch Logs log group.</summary>
    LogGroup,

    /// <summary>An ECR repository (removed with its images).</summary>
    EcrRepository,
}

/// <summary>One resource that belongs to the app and environment, as found in AWS.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Name">Its name (a task definition as <c>family:revision</c>, a listener as <c>load-balancer:port</c>).</param>
/// <param name="Id">Its ARN or id (what the delete call takes).</param>
/// <param name="Parent">What it lives in: a service's or scalable target's cluster, a listener's load balancer ARN.</param>
/// <param name="State">Its state where it matters (a service's ACTIVE or DRAINING).</param>
/// <param name="IsPerService">True for resources made for one service (they carry <c>aspire:resource</c>), false for shared ones.</param>
public sealed record AppResource(AppResourceKind Kind, string Name, string Id, string? Parent = null, string? State = null, bool IsPerService = false)
{
    /// <summary>How the kind reads in progress lines, e.g. "ECS service".</summary>
    public string KindLabel => Label(Kind);

    /// <summary>How a kind reads in progress lines.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>E.g. "target group".</returns>
    public static string Label(AppResourceKind kind) => kind switch
    {
        AppResourceKind.ScalableTarget => "autoscaling target",
        AppResourceKind.EcsService => "ECS service",
        AppResourceKind.TaskDefinition => "task definition",
        AppResourceKind.Cluster => "ECS cluster",
        AppResourceKind.Listener => "listener",
        AppResourceKind.LoadBalancer => "load balancer",
        AppResourceKind.TargetGroup => "target group",
        AppResourceKind.SecurityGroup => "security group",
        AppResourceKind.IamRole => "IAM role",
        AppResourceKind.LogGroup => "log group",
        AppResourceKind.EcrRepository => "ECR repository",
        _ => kind.ToString(),
    };

    /// <inheritdoc />
    public override string ToString() => $"{KindLabel} {Name}";
}

/// <summary>Everything found for an app and environment, plus what stands in the way of removing it.</summary>
/// <param name="Resources">The app's resources, in removal order.</param>
/// <param name="Blockers">Resources that are not the app's but would keep one of its resources from going (a
/// service someone else created in the app's cluster); they are left alone and named in the output.</param>
/// <param name="BlockedClusters">The app's clusters that hold services which are not the app's: destroy keeps them.</param>
public sealed record AppInventory(IReadOnlyList<AppResource> Resources, IReadOnlyList<string> Blockers, IReadOnlySet<string> BlockedClusters)
{
    /// <summary>True when nothing of the app exists.</summary>
    public bool IsEmpty => Resources.Count == 0;

    /// <summary>The resources of one kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>Those resources, in the order found.</returns>
    public IReadOnlyList<AppResource> OfKind(AppResourceKind kind) => [.. Resources.Where(r => r.Kind == kind)];
}

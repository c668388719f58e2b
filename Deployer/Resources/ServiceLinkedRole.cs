using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Iam = Aspire.Deployer.Aws.Iam;

namespace Aspire.Deployer.Resources;

/// <summary>A service-linked role: the account-wide role an AWS service assumes to act for it.</summary>
/// <param name="Name">The role AWS gives it, e.g. <c>AWSServiceRoleForECS</c> (AWS chooses it; shown, not sent).</param>
/// <param name="Owner">Null: the whole account shares it.</param>
/// <param name="Tags">None: service-linked roles are not tagged.</param>
/// <param name="ServiceName">The service principal, e.g. <c>ecs.amazonaws.com</c>.</param>
public sealed record ServiceLinkedRoleSpec(string Name, string? Owner, IReadOnlyDictionary<string, string> Tags, string ServiceName)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ServiceLinkedRoleKind.Instance;

    /// <inheritdoc />
    public override string Describe() => $"for {ServiceName} (account-wide; destroy leaves it)";
}

/// <summary>
/// The service-linked roles a deploy needs: ECS's, Elastic Load Balancing's and, when a service autoscales,
/// Application Auto Scaling's for ECS. On a fresh account ECS creates its own during CreateCluster and then often
/// cannot assume it yet ("Unable to assume the service linked role", aws/containers-roadmap#2614,
/// hashicorp/terraform-provider-aws#15452): so they are made first, "has been taken" counts as there, and the ECS
/// calls that need one retry on exactly that error (<see cref="RetryUntilAssumableAsync"/>). Destroy never removes
/// them: other stacks of the account use them too.
/// </summary>
public sealed class ServiceLinkedRoleKind : ResourceKind<ServiceLinkedRoleSpec>
{
    /// <summary>How long an ECS call keeps retrying while ECS cannot yet assume its service-linked role.</summary>
    public static readonly RetryBudget AssumableWithin = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

    private const string NotAssumableYet = "Unable to assume the service linked role";

    private static readonly (string Service, string Role)[] Roles =
    [
        ("ecs.amazonaws.com", "AWSServiceRoleForECS"),
        ("elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing"),
        ("ecs.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_ECSService"),
    ];

    /// <summary>The kind.</summary>
    public static ServiceLinkedRoleKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "ServiceLinkedRole";

    /// <inheritdoc />
    public override string Label => "service-linked role";

    /// <inheritdoc />
    protected override bool ComparesTags => false;

    /// <inheritdoc />
    protected override IEnumerable<ServiceLinkedRoleSpec> DesiredSpecs(DesiredContext context)
    {
        if (context.Services.Count == 0)
        {
            yield break;
        }

        var autoscaled = context.Services.Any(s => s.Options.AutoScaling is not null);
        foreach (var (service, role) in Roles.Where(r => autoscaled || r.Service != "ecs.application-autoscaling.amazonaws.com"))
        {
            yield return new ServiceLinkedRoleSpec(role, null, new Dictionary<string, string>(), service);
        }
    }

    /// <summary>True for the error ECS gives while it cannot yet assume its service-linked role.</summary>
    /// <param name="error">The error.</param>
    public static bool IsNotAssumableYet(AwsApiException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.ErrorCode == "InvalidParameterException" && error.AwsMessage.Contains(NotAssumableYet, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Runs an ECS call that needs the service-linked role, retrying on <see cref="IsNotAssumableYet"/> within <see cref="AssumableWithin"/>.</summary>
    /// <param name="what">What the call does, for the progress line.</param>
    /// <param name="call">The call.</param>
    /// <param name="context">The apply context.</param>
    public static Task RetryUntilAssumableAsync(string what, Func<Task> call, ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Converge.RetryWhileAsync($"{what}: ECS cannot assume its service-linked role yet", call, IsNotAssumableYet, AssumableWithin, context.Info,
            context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var found = new List<ObservedResource>();
        foreach (var spec in context.DesiredOf<ServiceLinkedRoleSpec>())
        {
            // Found by its path: AWS names the role, and an emulator may name it differently.
            var roles = await context.Session.Iam.ListRolesItemsAsync(new Iam.ListRolesRequest { PathPrefix = PathOf(spec.ServiceName) }, context.CancellationToken)
                .ToListAsync(context.CancellationToken).ConfigureAwait(false);
            if (roles.FirstOrDefault() is { } role)
            {
                found.Add(new ObservedResource(spec, role.Arn));
            }
        }

        return found;
    }

    private static string PathOf(string service) => $"/aws-service-role/{service}/";

    /// <inheritdoc />
    protected override void Compare(ServiceLinkedRoleSpec desired, ServiceLinkedRoleSpec current, Diff diff)
    {
        // Nothing of it is ours to change.
    }

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<ServiceLinkedRoleSpec> change, ApplyContext context)
    {
        var spec = change.Desired;
        try
        {
            var created = await context.Session.Iam.CreateServiceLinkedRoleAsync(new Iam.CreateServiceLinkedRoleRequest { AWSServiceName = spec.ServiceName },
                context.CancellationToken).ConfigureAwait(false);
            Made(context, spec.Name, created.Role?.Arn ?? spec.Name);
        }
        catch (AwsApiException e) when (IsTaken(e))
        {
            // Another stack (or the service itself) made it meanwhile: there it is.
            Made(context, spec.Name, spec.Name);
        }
    }

    // IAM answers InvalidInput "Service role name ... has been taken in this account" (moto: EntityAlreadyExists).
    private static bool IsTaken(AwsApiException e) =>
        e.ErrorCode == "EntityAlreadyExists" || (e.ErrorCode == "InvalidInput" && e.AwsMessage.Contains("has been taken", StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    protected override Task UpdateAsync(Change<ServiceLinkedRoleSpec> change, ApplyContext context) => Task.CompletedTask;

    /// <inheritdoc />
    public override Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context) => Task.FromResult<IReadOnlyList<FoundResource>>([]);

    /// <inheritdoc />
    public override Task DeleteAsync(FoundResource resource, DestroyContext context) =>
        throw new InvalidOperationException("Service-linked roles are the account's; destroy never removes them.");
}

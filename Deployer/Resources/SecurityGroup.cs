using System.Globalization;
using Aspire.Deployer.Aws.Ec2;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;

namespace Aspire.Deployer.Resources;

/// <summary>One inbound security group rule.</summary>
/// <param name="Protocol"><c>tcp</c>, or <c>-1</c> for every protocol.</param>
/// <param name="FromPort">First port.</param>
/// <param name="ToPort">Last port.</param>
/// <param name="Source">An IPv4 or IPv6 range (<c>0.0.0.0/0</c>, <c>::/0</c>) or <c>sg:</c> and a security group name (an id when the group is not the app's).</param>
public sealed record IngressRuleSpec(string Protocol, int FromPort, int ToPort, string Source)
{
    /// <summary>The prefix of a <see cref="Source"/> that names a security group.</summary>
    public const string GroupPrefix = "sg:";

    /// <summary>A TCP rule for one port.</summary>
    /// <param name="port">The port.</param>
    /// <param name="source">The source.</param>
    public static IngressRuleSpec Tcp(int port, string source) => new("tcp", port, port, source);

    /// <inheritdoc />
    public override string ToString()
    {
        var ports = FromPort == ToPort ? FromPort.ToString(CultureInfo.InvariantCulture) : $"{FromPort}-{ToPort}";
        var protocol = Protocol == "-1" ? "all traffic" : $"{Protocol} {ports}";
        var source = Source.StartsWith(GroupPrefix, StringComparison.Ordinal) ? $"security group {Source[GroupPrefix.Length..]}" : Source;
        return $"{protocol} from {source}";
    }
}

/// <summary>An EC2 security group.</summary>
/// <param name="Name">The group name (unique in its VPC).</param>
/// <param name="Owner">The Aspire resource it is for, or null for the load balancer's.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="VpcId">Its VPC.</param>
/// <param name="Description">Its description (AWS cannot change it).</param>
/// <param name="Ingress">Its inbound rules (exactly these).</param>
public sealed record SecurityGroupSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    string VpcId,
    string Description,
    IReadOnlyList<IngressRuleSpec> Ingress)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => SecurityGroupKind.Instance;

    /// <inheritdoc />
    public override string Describe() => $"in {VpcId}; inbound {string.Join("; ", Ingress)}";
}

/// <summary>
/// Security groups: the load balancer's (inbound on its listener ports from anywhere, IPv4 and IPv6: 80 and 443 with a
/// front door), when a service has an external endpoint, and one per service (inbound only from the load balancer's
/// group on the container port, and from the groups of the services that call it on its ports). Found by the app's tags, since EC2
/// names are unique only per VPC; the services' groups are removed before the shared one.
/// </summary>
public sealed class SecurityGroupKind : ResourceKind<SecurityGroupSpec>
{
    /// <summary>The kind.</summary>
    public static SecurityGroupKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "SecurityGroup";

    /// <inheritdoc />
    public override string Label => "security group";

    /// <inheritdoc />
    protected override IEnumerable<SecurityGroupSpec> DesiredSpecs(DesiredContext context)
    {
        var (deployment, network) = (context.Deployment, context.Network);
        if (context.Services.Count == 0)
        {
            yield break;
        }

        var first = context.Services[0].Names;
        var albGroup = first.LoadBalancerSecurityGroup;
        if (context.Services.Any(s => s.IsLoadBalanced))
        {
            yield return new SecurityGroupSpec(albGroup, null, first.SharedTags, network.VpcId,
                $"Load balancer of {deployment.App} {deployment.Environment}: public listener ports",
                [.. FrontDoorListenerKind.PublicPorts(context).SelectMany(port => new[] { IngressRuleSpec.Tcp(port, "0.0.0.0/0"), IngressRuleSpec.Tcp(port, "::/0") })]);
        }

        foreach (var service in context.Services)
        {
            var names = service.Names;
            yield return new SecurityGroupSpec(names.ServiceSecurityGroup, names.Resource, names.Tags, network.VpcId,
                $"Tasks of {names.Resource} in {deployment.App} {deployment.Environment}: " +
                (service.IsLoadBalanced ? "container port from the load balancer only" : "its ports from the services that call it only"),
                [.. ServiceIngress(service, deployment, albGroup)]);
        }
    }

    // From the load balancer on the container port (when it serves the service), and from each caller's tasks on each
    // of the service's ports (Service Connect's proxy reaches the callee on its container port); nothing more.
    private static IEnumerable<IngressRuleSpec> ServiceIngress(ServiceDescription service, DeploymentDescription deployment, string albGroup)
    {
        if (service.IsLoadBalanced)
        {
            yield return IngressRuleSpec.Tcp(service.ContainerPort, IngressRuleSpec.GroupPrefix + albGroup);
        }

        foreach (var caller in deployment.CallersOf(service.Names.Resource))
        {
            var callerGroup = new AwsNames(deployment.App, deployment.Environment, caller).ServiceSecurityGroup;
            foreach (var port in service.Ports.Select(p => p.ContainerPort).Distinct())
            {
                yield return IngressRuleSpec.Tcp(port, IngressRuleSpec.GroupPrefix + callerGroup);
            }
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var specs = context.DesiredOf<SecurityGroupSpec>();
        if (specs.Count == 0)
        {
            return [];
        }

        // Found by the app's tags in any VPC: a group left in another VPC is one to replace, not one to ignore.
        var groups = await context.Session.Ec2.DescribeSecurityGroupsByTagsAsync(null, context.Desired.Deployment.Services[0].Names.SharedTags, context.CancellationToken)
            .ConfigureAwait(false);
        var chosen = specs
            .Select(spec => (Spec: spec, Group: groups.Where(g => g.GroupName == spec.Name).OrderByDescending(g => g.VpcId == spec.VpcId).FirstOrDefault()))
            .Where(x => x.Group is not null)
            .ToList();
        var nameById = chosen.ToDictionary(x => x.Group!.GroupId, x => x.Spec.Name, StringComparer.Ordinal);
        return [.. chosen.Select(x => new ObservedResource(
            x.Spec with
            {
                Tags = x.Group!.Tags,
                VpcId = x.Group.VpcId ?? "",
                Description = x.Group.Description ?? "",
                Ingress = [.. x.Group.IngressRules.Select(r => RuleSpec(r, nameById)).Distinct()],
            },
            x.Group.GroupId))];
    }

    private static IngressRuleSpec RuleSpec(Ec2IngressRule rule, IReadOnlyDictionary<string, string> nameById) =>
        new(rule.Protocol, rule.FromPort, rule.ToPort,
            rule.CidrIpv4 ?? rule.CidrIpv6 ?? IngressRuleSpec.GroupPrefix + (rule.SourceSecurityGroupId is { } id ? nameById.GetValueOrDefault(id, id) : "?"));

    /// <inheritdoc />
    protected override void Compare(SecurityGroupSpec desired, SecurityGroupSpec current, Diff diff)
    {
        diff.Compare("VPC", current.VpcId, desired.VpcId, "AWS cannot move a security group to another VPC");
        diff.Compare("description", current.Description, desired.Description, "AWS cannot change a security group's description");
        diff.Items("inbound rule", current.Ingress.Select(r => r.ToString()), desired.Ingress.Select(r => r.ToString()));
    }

    /// <inheritdoc />
    protected override PlannedChange Cascade(PlannedChange change, SecurityGroupSpec desired, PlanContext context)
    {
        // A rule's source group that is replaced gets a new id: the rule is made again.
        foreach (var source in desired.Ingress.Select(r => r.Source).Where(s => s.StartsWith(IngressRuleSpec.GroupPrefix, StringComparison.Ordinal)).Distinct())
        {
            var name = source[IngressRuleSpec.GroupPrefix.Length..];
            if (name != desired.Name && context.ChangeOf(this, name)?.Action == ChangeAction.Replace)
            {
                change = change.Touched("inbound rule source " + name, "current", "replaced");
            }
        }

        return change;
    }

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<SecurityGroupSpec> change, ApplyContext context)
    {
        var spec = change.Desired;
        // A group another group's rule names may have been made already, so that rule could refer to it.
        if (context.TryId(this, spec.Name) is null)
        {
            await MakeGroupAsync(spec, context).ConfigureAwait(false);
        }

        await RulesAsync(spec, [], context).ConfigureAwait(false);
    }

    private async Task MakeGroupAsync(SecurityGroupSpec spec, ApplyContext context)
    {
        var (ec2, ct) = (context.Session.Ec2, context.CancellationToken);
        var id = await Converge.CreateOrFindAsync(["InvalidGroup.Duplicate"],
            () => ec2.CreateSecurityGroupAsync(spec.Name, spec.Description, spec.VpcId, spec.Tags, ct),
            async () =>
            {
                var found = await ec2.DescribeSecurityGroupsByTagsAsync(spec.VpcId, spec.Tags, ct).ConfigureAwait(false);
                return found.FirstOrDefault(g => g.GroupName == spec.Name)?.GroupId
                    ?? throw new InvalidOperationException($"A security group named {spec.Name} exists in {spec.VpcId} without the app's tags; it was not made by this deployer. Rename or remove it.");
            }).ConfigureAwait(false);
        Made(context, spec.Name, id);
    }

    // Services that call each other name each other's groups: a source group planned later is made now, so the rule can refer to it.
    private async Task SourceGroupsAsync(IEnumerable<IngressRuleSpec> rules, ApplyContext context)
    {
        foreach (var name in rules.Select(r => r.Source).Where(s => s.StartsWith(IngressRuleSpec.GroupPrefix, StringComparison.Ordinal)).Select(s => s[IngressRuleSpec.GroupPrefix.Length..]).Distinct())
        {
            if (context.TryId(this, name) is null && context.Desired.OfType<SecurityGroupSpec>().FirstOrDefault(g => g.Name == name) is { } source)
            {
                await MakeGroupAsync(source, context).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    protected override async Task UpdateAsync(Change<SecurityGroupSpec> change, ApplyContext context)
    {
        await RulesAsync(change.Desired, change.Current!.Ingress, context).ConfigureAwait(false);
        if (change.TagsDiffer)
        {
            await context.Session.Ec2.CreateTagsAsync([context.Id(this, change.Desired.Name)], change.Desired.Tags, context.CancellationToken).ConfigureAwait(false);
        }
    }

    // Authorizes the missing rules and revokes the extra ones.
    private async Task RulesAsync(SecurityGroupSpec spec, IReadOnlyList<IngressRuleSpec> existing, ApplyContext context)
    {
        var (ec2, ct) = (context.Session.Ec2, context.CancellationToken);
        var groupId = context.Id(this, spec.Name);
        var missing = spec.Ingress.Except(existing).ToList();
        var extra = existing.Except(spec.Ingress).ToList();
        await SourceGroupsAsync(missing, context).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            try
            {
                await ec2.AuthorizeSecurityGroupIngressAsync(groupId, [.. missing.Select(r => ToRule(r, context))], ct).ConfigureAwait(false);
            }
            catch (Aws.AwsApiException e) when (e.ErrorCode == "InvalidPermission.Duplicate")
            {
                // Authorized by an interrupted run: add them one by one so the rest still get added.
                foreach (var rule in missing)
                {
                    await Converge.TolerateAsync(() => ec2.AuthorizeSecurityGroupIngressAsync(groupId, [ToRule(rule, context)], ct), "InvalidPermission.Duplicate")
                        .ConfigureAwait(false);
                }
            }
        }

        if (extra.Count > 0)
        {
            // The running tasks may still use a rule the model dropped (the old container port): it goes after the rollout.
            var rules = extra.Select(r => ToRule(r, context)).ToList();
            context.AfterRollout.Add(($"Revoking {string.Join("; ", extra)} of security group {spec.Name} (no longer in the model)",
                () => ec2.RevokeSecurityGroupIngressAsync(groupId, rules, ct)));
        }
    }

    private Ec2IngressRule ToRule(IngressRuleSpec rule, ApplyContext context)
    {
        if (rule.Source.StartsWith(IngressRuleSpec.GroupPrefix, StringComparison.Ordinal))
        {
            var name = rule.Source[IngressRuleSpec.GroupPrefix.Length..];
            return new Ec2IngressRule(rule.Protocol, rule.FromPort, rule.ToPort, SourceSecurityGroupId: context.TryId(this, name) ?? name);
        }

        return rule.Source.Contains(':', StringComparison.Ordinal)
            ? new Ec2IngressRule(rule.Protocol, rule.FromPort, rule.ToPort, CidrIpv6: rule.Source)
            : new Ec2IngressRule(rule.Protocol, rule.FromPort, rule.ToPort, CidrIpv4: rule.Source);
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var groups = await context.Session.Ec2.DescribeSecurityGroupsByTagsAsync(null, context.Scope.Tags, context.CancellationToken).ConfigureAwait(false);
        // Removal order: the services' groups (they refer to the load balancer's) before the shared one.
        return [.. groups
            .Where(g => context.Scope.Owns(g.Tags))
            .Select(g => new FoundResource(this, g.GroupName, g.GroupId, g.VpcId, IsPerService: g.Tags.ContainsKey(Model.AwsNames.TagKeys.Resource)))
            .OrderBy(r => r.IsPerService ? 0 : 1)];
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        // AWS keeps the load balancer's and the tasks' network interfaces for a while after they are deleted.
        await context.RetryWhileInUseAsync(resource,
            () => Converge.TolerateAsync(() => context.Session.Ec2.DeleteSecurityGroupAsync(resource.Id, context.CancellationToken), "InvalidGroup.NotFound"),
            "DependencyViolation", "InvalidGroup.InUse").ConfigureAwait(false);
        context.Removed(resource, $"removed security group {resource.Name} ({resource.Id})");
    }
}

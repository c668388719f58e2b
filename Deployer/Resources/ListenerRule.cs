using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;

namespace Aspire.Deployer.Resources;

/// <summary>A rule of the front door's HTTPS listener sending one service's host (and path prefix) to its target group.</summary>
/// <param name="Name">The listener and the resource, e.g. <c>shop-prod:443 api</c>.</param>
/// <param name="Owner">The Aspire resource it sends requests to.</param>
/// <param name="Tags">Its tags (the resource's: how a rule is known to be the service's).</param>
/// <param name="ListenerName">The HTTPS listener.</param>
/// <param name="Host">The host-header condition.</param>
/// <param name="PathPrefix">The path prefix (matched as <c>/api</c> and <c>/api/*</c>), or null for every path.</param>
/// <param name="TargetGroupName">The target group it forwards to.</param>
/// <param name="Priority">Desired: the priority a new rule gets (unless taken); current: the rule's.</param>
public sealed record ListenerRuleSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    string ListenerName,
    string Host,
    string? PathPrefix,
    string TargetGroupName,
    int Priority)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ListenerRuleKind.Instance;

    /// <inheritdoc />
    public override string Describe() => $"host {Host}{(PathPrefix is null ? "" : $", path {PathPrefix} and {PathPrefix}/*")} -> target group {TargetGroupName}, priority {Num(Priority)}";
}

/// <summary>
/// One rule per service with a target group on the front door's HTTPS listener (a service without an external
/// endpoint has no target group, so no rule). Priorities are derived, never counted: a band per path depth (a deeper
/// prefix is matched first, so <c>/api/v2</c> wins over <c>/api</c> and both over the host alone), and within the band
/// a slot from a stable hash of the resource's name, the next free one on a collision. A rule keeps its priority for
/// as long as it stays in its band, so adding a service never renumbers another.
/// </summary>
public sealed class ListenerRuleKind : ResourceKind<ListenerRuleSpec>, IRemovesStrays
{
    /// <summary>Priorities per band (one band per path depth, 0 to <see cref="FrontDoor.MaxDepth"/>; 10 bands fill ELBv2's 1-50000).</summary>
    public const int BandSize = 5000;

    /// <summary>The kind.</summary>
    public static ListenerRuleKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "ListenerRule";

    /// <inheritdoc />
    public override string Label => "listener rule";

    /// <inheritdoc />
    public bool IsStray(ObservedResource resource, DesiredState desired) => true; // only what carries the app's tags (or points at its load balancer) is read

    /// <inheritdoc />
    public string StrayReason(ObservedResource resource) => "its service is no longer in the model (or no longer on the front door)";

    /// <summary>The first priority of the band for a path prefix of <paramref name="depth"/> segments.</summary>
    /// <param name="depth">0 (no prefix) to <see cref="FrontDoor.MaxDepth"/>.</param>
    public static int BandStart(int depth) => ((FrontDoor.MaxDepth - depth) * BandSize) + 1;

    /// <summary>The band (path depth) a priority belongs to.</summary>
    /// <param name="priority">1 to 50000.</param>
    public static int DepthOf(int priority) => FrontDoor.MaxDepth - ((priority - 1) / BandSize);

    /// <summary>A resource's preferred slot in its band: a stable hash (FNV-1a) of its name, the same on every machine and run.</summary>
    /// <param name="resource">The Aspire resource name.</param>
    public static int Slot(string resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(resource))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return (int)(hash % BandSize);
    }

    /// <summary>The priority a new rule takes: its slot in its band, or the next one (wrapping in the band) not in <paramref name="taken"/>.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="depth">Its path depth.</param>
    /// <param name="taken">Priorities in use or promised to other rules.</param>
    public static int Choose(string resource, int depth, IReadOnlySet<int> taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
        var start = BandStart(depth);
        for (var i = 0; i < BandSize; i++)
        {
            var priority = start + ((Slot(resource) + i) % BandSize);
            if (!taken.Contains(priority))
            {
                return priority;
            }
        }

        throw new InvalidOperationException($"every priority of band {depth} ({start}-{start + BandSize - 1}) is taken on the listener.");
    }

    /// <inheritdoc />
    protected override IEnumerable<ListenerRuleSpec> DesiredSpecs(DesiredContext context)
    {
        if (context.Deployment.FrontDoor is not { } door)
        {
            yield break;
        }

        // One rule per target group: whatever gets none (no external endpoint) gets no rule either.
        var groups = TargetGroupKind.Instance.Desire(context).OfType<TargetGroupSpec>().ToDictionary(g => g.Owner ?? "", StringComparer.Ordinal);
        var promised = new HashSet<int>();
        foreach (var service in context.Services.OrderBy(s => s.Names.Resource, StringComparer.Ordinal))
        {
            if (!groups.TryGetValue(service.Names.Resource, out var group))
            {
                continue;
            }

            var route = door.RouteOf(service);
            var priority = Choose(route.Resource, route.Depth, promised);
            promised.Add(priority);
            yield return new ListenerRuleSpec(RuleName(service.Names.LoadBalancer, route.Resource), route.Resource, service.Names.Tags,
                ListenerKind.ListenerName(service.Names.LoadBalancer, FrontDoor.HttpsPort), route.Host, route.PathPrefix, group.Name, priority);
        }
    }

    /// <summary>A rule's name in the plan.</summary>
    /// <param name="loadBalancer">The load balancer.</param>
    /// <param name="resource">The resource.</param>
    public static string RuleName(string loadBalancer, string resource) => $"{ListenerKind.ListenerName(loadBalancer, FrontDoor.HttpsPort)} {resource}";

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var deployment = context.Desired.Deployment;
        if (deployment.Services.Count == 0)
        {
            return [];
        }

        var lbName = deployment.Services[0].Names.LoadBalancer;
        var listenerName = ListenerKind.ListenerName(lbName, FrontDoor.HttpsPort);
        if (context.IdOf(FrontDoorListenerKind.Instance, listenerName) is not { } listenerArn)
        {
            return [];
        }

        var scope = new AppScope(deployment.App, deployment.Environment);
        var found = new List<ObservedResource>();
        foreach (var (rule, tags) in await RulesAsync(context.Session, listenerArn, context.CancellationToken).ConfigureAwait(false))
        {
            if (!scope.Owns(tags) || !tags.TryGetValue(AwsNames.TagKeys.Resource, out var resource))
            {
                continue; // someone else's rule: left alone, its priority avoided
            }

            var (host, path) = Conditions(rule);
            var forwards = rule.Actions?.FirstOrDefault(a => a.Type == Elb.ActionTypeEnum.Forward)?.TargetGroupArn;
            found.Add(new ObservedResource(new ListenerRuleSpec(RuleName(lbName, resource), resource, tags, listenerName, host ?? "", path,
                forwards is null ? "" : context.NameOf(TargetGroupKind.Instance, forwards), int.Parse(rule.Priority!, CultureInfo.InvariantCulture)), rule.RuleArn!));
        }

        return found;
    }

    /// <summary>The non-default rules of a listener with their tags (read 20 at a time).</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="listenerArn">The listener.</param>
    /// <param name="ct">Cancels the calls.</param>
    public static async Task<List<(Elb.Rule Rule, IReadOnlyDictionary<string, string> Tags)>> RulesAsync(AwsSession session, string listenerArn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        var rules = await session.ElbV2.DescribeRulesItemsAsync(new Elb.DescribeRulesRequest { ListenerArn = listenerArn }, ct).ToListAsync(ct).ConfigureAwait(false);
        var custom = rules.Where(r => r.IsDefault != true && r.RuleArn is not null && int.TryParse(r.Priority, CultureInfo.InvariantCulture, out _)).ToList();
        var tags = await ElbV2Tags.Instance.ReadAsync(session, [.. custom.Select(r => r.RuleArn!)], ct).ConfigureAwait(false);
        return [.. custom.Select(r => (r, tags.GetValueOrDefault(r.RuleArn!) ?? new Dictionary<string, string>()))];
    }

    /// <summary>The host and path prefix a rule matches (a path prefix is read back from its <c>/p</c> and <c>/p/*</c> patterns).</summary>
    /// <param name="rule">The rule.</param>
    public static (string? Host, string? PathPrefix) Conditions(Elb.Rule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var conditions = rule.Conditions ?? [];
        var host = conditions.FirstOrDefault(c => c.Field == "host-header") is { } h ? (h.HostHeaderConfig?.Values ?? h.Values ?? []).FirstOrDefault() : null;
        var paths = conditions.FirstOrDefault(c => c.Field == "path-pattern") is { } p ? p.PathPatternConfig?.Values ?? p.Values ?? [] : [];
        var prefix = paths.FirstOrDefault(v => !v.EndsWith("/*", StringComparison.Ordinal)) ?? paths.FirstOrDefault()?.TrimEnd('*').TrimEnd('/');
        return (host, prefix);
    }

    /// <inheritdoc />
    protected override void Compare(ListenerRuleSpec desired, ListenerRuleSpec current, Diff diff)
    {
        diff.Compare("host", current.Host, desired.Host);
        diff.Compare("path prefix", current.PathPrefix, desired.PathPrefix);
        diff.Compare("forwards to target group", current.TargetGroupName, desired.TargetGroupName);
        // Only the band matters (a deeper prefix first); within it a rule keeps the priority it has.
        var (depth, wanted) = (DepthOf(current.Priority), desired.PathPrefix is null ? 0 : desired.PathPrefix.Count(c => c == '/'));
        if (depth != wanted)
        {
            diff.Compare("priority", current.Priority, desired.Priority);
        }
    }

    /// <inheritdoc />
    protected override PlannedChange Cascade(PlannedChange change, ListenerRuleSpec desired, PlanContext context)
    {
        if (context.ChangeOf(FrontDoorListenerKind.Instance, desired.ListenerName)?.Action == ChangeAction.Create && change.Action != ChangeAction.Create)
        {
            return change with { Action = ChangeAction.Create, Reason = "its listener is made again", Details = desired.Describe(), Changes = [] };
        }

        return context.ChangeOf(TargetGroupKind.Instance, desired.TargetGroupName)?.Action == ChangeAction.Replace
            ? change.Touched("target group", "current", "replaced")
            : change;
    }

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<ListenerRuleSpec> change, ApplyContext context)
    {
        var (spec, session, ct) = (change.Desired, context.Session, context.CancellationToken);
        var listenerArn = context.Id(FrontDoorListenerKind.Instance, spec.ListenerName);
        var tgArn = context.Id(TargetGroupKind.Instance, spec.TargetGroupName);
        var existing = await RulesAsync(session, listenerArn, ct).ConfigureAwait(false);
        if (existing.FirstOrDefault(r => r.Tags.GetValueOrDefault(AwsNames.TagKeys.Resource) == spec.Owner && Owned(r.Tags, spec)) is { Rule.RuleArn: { } made })
        {
            // Made by an interrupted run: converge it instead of making a second one.
            Made(context, spec.Name, made);
            await ModifyAsync(spec, made, tgArn, context).ConfigureAwait(false);
            return;
        }

        var priority = Priority(spec, existing, context);
        var created = await Converge.CreateOnceAsync(session, async () => (await session.ElbV2.CreateRuleAsync(new Elb.CreateRuleRequest
        {
            ListenerArn = listenerArn,
            Priority = priority,
            Conditions = RuleConditions(spec),
            Actions = [new Elb.AwsAction { Type = Elb.ActionTypeEnum.Forward, TargetGroupArn = tgArn }],
            Tags = Tags.ToList(spec.Tags, (k, v) => new Elb.Tag { Key = k, Value = v }),
        }, ct).ConfigureAwait(false)).Rules![0],
            async () => (await RulesAsync(session, listenerArn, ct).ConfigureAwait(false)).FirstOrDefault(r => r.Rule.Priority == Num(priority) && Owned(r.Tags, spec)).Rule,
            ct).ConfigureAwait(false);
        Made(context, spec.Name, created.RuleArn!);
    }

    /// <inheritdoc />
    protected override async Task UpdateAsync(Change<ListenerRuleSpec> change, ApplyContext context)
    {
        var (spec, current, session, ct) = (change.Desired, change.Current!, context.Session, context.CancellationToken);
        var arn = change.Observed!.Id;
        var tgArn = context.Id(TargetGroupKind.Instance, spec.TargetGroupName);
        if (current.Host != spec.Host || current.PathPrefix != spec.PathPrefix || current.TargetGroupName != spec.TargetGroupName || change.Planned.Changes.Any(c => c.Property == "target group"))
        {
            // A group made in this run has no targets yet: the rule keeps the old one until the service's new tasks
            // are healthy in it (create-before-destroy, as the per-service listener does).
            if (current.TargetGroupName.Length > 0 && current.TargetGroupName != spec.TargetGroupName && context.CreatedInThisRun(TargetGroupKind.Instance, spec.TargetGroupName) && spec.Owner is { } owner)
            {
                context.Info($"  listener rule {spec.Name} keeps forwarding to the current target group until {spec.TargetGroupName} has healthy targets");
                context.Switches.Add(new TargetSwitch(owner, tgArn, $"switched listener rule {spec.Name} to target group {spec.TargetGroupName}", () => ModifyAsync(spec, arn, tgArn, context)));
            }
            else
            {
                await ModifyAsync(spec, arn, tgArn, context).ConfigureAwait(false);
            }
        }

        if (change.Planned.Changes.Any(c => c.Property == "priority"))
        {
            var existing = await RulesAsync(session, context.Id(FrontDoorListenerKind.Instance, spec.ListenerName), ct).ConfigureAwait(false);
            await session.ElbV2.SetRulePrioritiesAsync(new Elb.SetRulePrioritiesRequest
            {
                RulePriorities = [new Elb.RulePriorityPair { RuleArn = arn, Priority = Priority(spec, existing, context) }],
            }, ct).ConfigureAwait(false);
        }

        if (change.TagsDiffer)
        {
            await LoadBalancerKind.AddTagsAsync(session, arn, spec.Tags, ct).ConfigureAwait(false);
        }
    }

    // The desired slot unless a rule on the listener, or another rule of this deploy, has it; then the next free one in the band.
    private static int Priority(ListenerRuleSpec spec, List<(Elb.Rule Rule, IReadOnlyDictionary<string, string> Tags)> existing, ApplyContext context)
    {
        var taken = existing.Select(r => int.Parse(r.Rule.Priority!, CultureInfo.InvariantCulture))
            .Concat(context.Desired.OfType<ListenerRuleSpec>().Where(r => r.Name != spec.Name).Select(r => r.Priority))
            .ToHashSet();
        return taken.Contains(spec.Priority) ? Choose(spec.Owner!, spec.PathPrefix is null ? 0 : spec.PathPrefix.Count(c => c == '/'), taken) : spec.Priority;
    }

    private static Task ModifyAsync(ListenerRuleSpec spec, string arn, string tgArn, ApplyContext context) =>
        context.Session.ElbV2.ModifyRuleAsync(new Elb.ModifyRuleRequest
        {
            RuleArn = arn,
            Conditions = RuleConditions(spec),
            Actions = [new Elb.AwsAction { Type = Elb.ActionTypeEnum.Forward, TargetGroupArn = tgArn }],
        }, context.CancellationToken);

    private static List<Elb.RuleCondition> RuleConditions(ListenerRuleSpec spec)
    {
        List<Elb.RuleCondition> conditions = [new() { Field = "host-header", HostHeaderConfig = new() { Values = [spec.Host] } }];
        if (spec.PathPrefix is { } prefix)
        {
            conditions.Add(new() { Field = "path-pattern", PathPatternConfig = new() { Values = [prefix, prefix + "/*"] } });
        }

        return conditions;
    }

    private static bool Owned(IReadOnlyDictionary<string, string> tags, ListenerRuleSpec spec) =>
        spec.Tags.All(t => tags.TryGetValue(t.Key, out var v) && v == t.Value);

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    protected override async Task DeleteStrayAsync(PlannedChange change, ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        await Converge.TolerateAsync(() => context.Session.ElbV2.DeleteRuleAsync(new Elb.DeleteRuleRequest { RuleArn = change.Observed!.Id }, context.CancellationToken),
            "RuleNotFound").ConfigureAwait(false);
        context.Info($"  deleted listener rule {change.Name}");
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var owned = await ElbV2Tags.OwnedAsync(context).ConfigureAwait(false);
        var result = new List<FoundResource>();
        foreach (var balancer in owned.LoadBalancers)
        {
            try
            {
                var listeners = await context.Session.ElbV2.DescribeListenersItemsAsync(new() { LoadBalancerArn = balancer.LoadBalancerArn! }, context.CancellationToken)
                    .ToListAsync(context.CancellationToken).ConfigureAwait(false);
                foreach (var listener in listeners.Where(l => l.ListenerArn is not null))
                {
                    // Rules live and die with the app's load balancer's listeners, whoever added them.
                    var rules = await RulesAsync(context.Session, listener.ListenerArn!, context.CancellationToken).ConfigureAwait(false);
                    result.AddRange(rules.Select(r => new FoundResource(this,
                        $"{balancer.LoadBalancerName}:{Num(listener.Port ?? 0)} {r.Tags.GetValueOrDefault(AwsNames.TagKeys.Resource) ?? "priority " + r.Rule.Priority}",
                        r.Rule.RuleArn!, listener.ListenerArn, IsPerService: true)));
                }
            }
            catch (AwsApiException e) when (e.ErrorCode is "LoadBalancerNotFound" or "ListenerNotFound")
            {
                // gone since it was listed
            }
        }

        return result;
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        await Converge.TolerateAsync(() => context.Session.ElbV2.DeleteRuleAsync(new Elb.DeleteRuleRequest { RuleArn = resource.Id }, context.CancellationToken),
            "RuleNotFound").ConfigureAwait(false);
        context.Removed(resource, $"removed listener rule {resource.Name}");
    }
}

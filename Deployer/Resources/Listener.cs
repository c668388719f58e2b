using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;

namespace Aspire.Deployer.Resources;

/// <summary>A listener of the load balancer forwarding one public port to a service's target group.</summary>
/// <param name="Name">The load balancer name and the desired port, e.g. <c>shop-prod:4000</c>.</param>
/// <param name="Owner">The Aspire resource it forwards to.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="LoadBalancerName">The load balancer it belongs to.</param>
/// <param name="Port">The public port.</param>
/// <param name="Protocol"><c>HTTP</c>, or <c>HTTPS</c> with a certificate.</param>
/// <param name="CertificateArn">The ACM certificate, for HTTPS.</param>
/// <param name="SslPolicy">The TLS policy, for HTTPS.</param>
/// <param name="TargetGroupName">The target group its default action forwards to.</param>
public sealed record ListenerSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    string LoadBalancerName,
    int Port,
    string Protocol,
    string? CertificateArn,
    string? SslPolicy,
    string TargetGroupName)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => ListenerKind.Instance;

    /// <inheritdoc />
    public override string Describe() =>
        $"{Protocol} {Num(Port)} -> target group {TargetGroupName}" + (CertificateArn is null ? "" : $", certificate {CertificateArn}, {SslPolicy}");
}

/// <summary>
/// Listeners, one per service with an external endpoint on its public port, forwarding to its target group; HTTPS with TLS 1.3/1.2 when a
/// certificate is configured. Converged from what exists at apply time, since a target group replacement may just
/// have deleted the one the plan saw.
/// </summary>
public sealed class ListenerKind : ResourceKind<ListenerSpec>
{
    /// <summary>The TLS policy of an HTTPS listener (TLS 1.3 and 1.2 only).</summary>
    public const string SslPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";

    /// <summary>The kind.</summary>
    public static ListenerKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "Listener";

    /// <inheritdoc />
    public override string Label => "listener";

    /// <inheritdoc />
    public override BatchTagReader BatchTags => ElbV2Tags.Instance;

    /// <summary>The name a listener is planned under: the load balancer and the desired port.</summary>
    /// <param name="loadBalancer">The load balancer's name.</param>
    /// <param name="port">The port.</param>
    public static string ListenerName(string loadBalancer, int port) => $"{loadBalancer}:{port.ToString(CultureInfo.InvariantCulture)}";

    /// <inheritdoc />
    protected override IEnumerable<ListenerSpec> DesiredSpecs(DesiredContext context)
    {
        // With a domain the front door's two listeners serve every service (FrontDoorListenerKind, ListenerRuleKind).
        if (context.Deployment.FrontDoor is not null)
        {
            yield break;
        }

        foreach (var service in context.LoadBalanced)
        {
            var names = service.Names;
            var certificate = service.Options.CertificateArn;
            yield return new ListenerSpec(ListenerName(names.LoadBalancer, service.ListenerPort), names.Resource, names.Tags, names.LoadBalancer,
                service.ListenerPort, certificate is null ? "HTTP" : "HTTPS", certificate, certificate is null ? null : SslPolicy, TargetGroupKind.NameOf(service, context.Network.VpcId));
        }
    }

    /// <summary>The target groups a listener's default action forwards to.</summary>
    /// <param name="listener">The listener.</param>
    public static List<string> ForwardTargets(Elb.Listener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return (listener.DefaultActions ?? [])
            .Where(a => a.Type == Elb.ActionTypeEnum.Forward)
            .SelectMany(a => a.ForwardConfig?.TargetGroups?.Select(t => t.TargetGroupArn) ?? [a.TargetGroupArn])
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var found = new List<ObservedResource>();
        foreach (var balancer in context.DesiredOf<ListenerSpec>().GroupBy(l => l.LoadBalancerName))
        {
            if (context.IdOf(LoadBalancerKind.Instance, balancer.Key) is not { } lbArn)
            {
                continue;
            }

            var listeners = await context.Session.ElbV2.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lbArn }, context.CancellationToken)
                .ToListAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (var spec in balancer)
            {
                // The listener forwarding to the service's target group is the service's, whatever its port (a port
                // change is made in place); failing that, whichever listener holds the desired port.
                var tgArn = context.IdOf(TargetGroupKind.Instance, spec.TargetGroupName);
                var listener = listeners.FirstOrDefault(l => tgArn is not null && ForwardTargets(l).Contains(tgArn)) ?? listeners.FirstOrDefault(l => l.Port == spec.Port);
                if (listener?.ListenerArn is { } arn)
                {
                    found.Add(new ObservedResource(Observed(spec, listener, context), arn));
                }
            }
        }

        return found;
    }

    private static ListenerSpec Observed(ListenerSpec spec, Elb.Listener listener, ReadContext context)
    {
        var forwards = ForwardTargets(listener);
        // Certificates and TLS policies mean something on secure listeners only (moto reports a policy on HTTP ones).
        var secure = listener.Protocol is "HTTPS" or "TLS";
        return spec with
        {
            Tags = new Dictionary<string, string>(),
            Port = listener.Port ?? 0,
            Protocol = listener.Protocol ?? "",
            CertificateArn = secure ? (listener.Certificates?.FirstOrDefault(c => c.IsDefault != false) ?? listener.Certificates?.FirstOrDefault())?.CertificateArn : null,
            SslPolicy = secure ? listener.SslPolicy : null,
            TargetGroupName = forwards.Count == 1 ? context.NameOf(TargetGroupKind.Instance, forwards[0]) : string.Join(", ", forwards),
        };
    }

    /// <inheritdoc />
    protected override void Compare(ListenerSpec desired, ListenerSpec current, Diff diff)
    {
        diff.Compare("port", current.Port, desired.Port);
        diff.Compare("protocol", current.Protocol, desired.Protocol);
        diff.Compare("certificate", current.CertificateArn, desired.CertificateArn);
        diff.Compare("TLS policy", current.SslPolicy, desired.SslPolicy);
        diff.Compare("forwards to target group", current.TargetGroupName, desired.TargetGroupName);
    }

    /// <inheritdoc />
    protected override PlannedChange Cascade(PlannedChange change, ListenerSpec desired, PlanContext context)
    {
        if (context.ChangeOf(LoadBalancerKind.Instance, desired.LoadBalancerName)?.Action == ChangeAction.Replace && change.Action != ChangeAction.Create)
        {
            return change with { Action = ChangeAction.Create, Reason = "its load balancer is replaced", Details = desired.Describe(), Changes = [] };
        }

        return context.ChangeOf(TargetGroupKind.Instance, desired.TargetGroupName)?.Action == ChangeAction.Replace
            ? change.Touched("target group", "current", "replaced")
            : change;
    }

    /// <inheritdoc />
    protected override Task CreateAsync(Change<ListenerSpec> change, ApplyContext context) => ConvergeAsync(change.Desired, context);

    /// <inheritdoc />
    protected override Task UpdateAsync(Change<ListenerSpec> change, ApplyContext context) => ConvergeAsync(change.Desired, context);

    // Makes the listener on the load balancer as it exists now forward as specified, creating it when missing.
    private async Task ConvergeAsync(ListenerSpec spec, ApplyContext context)
    {
        var lbArn = context.Id(LoadBalancerKind.Instance, spec.LoadBalancerName);
        var tgArn = context.Id(TargetGroupKind.Instance, spec.TargetGroupName);
        var listeners = await ListAsync(lbArn, context).ConfigureAwait(false);
        var listener = listeners.FirstOrDefault(l => ForwardTargets(l).Contains(tgArn)) ?? listeners.FirstOrDefault(l => l.Port == spec.Port);
        if (listener is null && await CreateListenerAsync(spec, lbArn, tgArn, context).ConfigureAwait(false) is { } existing)
        {
            listener = existing;
        }

        if (listener is null)
        {
            return;
        }

        var arn = listener.ListenerArn!;
        Made(context, spec.Name, arn);
        var forwards = ForwardTargets(listener);
        var secure = listener.Protocol is "HTTPS" or "TLS";
        if (listener.Port != spec.Port || listener.Protocol != spec.Protocol || forwards.Count != 1 || forwards[0] != tgArn
            || (secure ? listener.Certificates?.FirstOrDefault()?.CertificateArn : null) != spec.CertificateArn || (secure ? listener.SslPolicy : null) != spec.SslPolicy)
        {
            Task ModifyAsync() => context.Session.ElbV2.ModifyListenerAsync(new Elb.ModifyListenerRequest
            {
                ListenerArn = arn,
                Port = spec.Port,
                Protocol = spec.Protocol,
                SslPolicy = spec.SslPolicy,
                Certificates = Certificates(spec),
                DefaultActions = Forward(tgArn),
            }, context.CancellationToken);
            // A group made in this run has no targets yet: the listener keeps the old one until the service's new
            // tasks are healthy in it (create-before-destroy; switching now would answer 503 meanwhile).
            if (forwards.Count > 0 && context.CreatedInThisRun(TargetGroupKind.Instance, spec.TargetGroupName) && spec.Owner is { } owner)
            {
                context.Info($"  listener {spec.Name} keeps forwarding to the current target group until {spec.TargetGroupName} has healthy targets");
                context.Switches.Add(new TargetSwitch(owner, tgArn, $"switched listener {spec.Name} to target group {spec.TargetGroupName}", ModifyAsync));
            }
            else
            {
                await ModifyAsync().ConfigureAwait(false);
            }
        }

        var observed = context.Observed(this, spec.Name);
        if (observed is null || observed.Id != arn || Tags.Differ(spec.Tags, observed.Spec.Tags))
        {
            await LoadBalancerKind.AddTagsAsync(context.Session, arn, spec.Tags, context.CancellationToken).ConfigureAwait(false);
        }
    }

    // Creates the listener; null when it was made, or the one on the port when ELBv2 says it exists (DuplicateListener).
    private async Task<Elb.Listener?> CreateListenerAsync(ListenerSpec spec, string lbArn, string tgArn, ApplyContext context)
    {
        var ct = context.CancellationToken;
        async Task<Elb.Listener?> OnPortAsync() => (await ListAsync(lbArn, context).ConfigureAwait(false)).FirstOrDefault(l => l.Port == spec.Port);
        try
        {
            // ELBv2 answers a repeated create with the same settings with the existing listener (moto makes a
            // second one): each attempt goes once, and a lost answer's listener is found on its port.
            var created = await Converge.CreateOnceAsync(context.Session,
                async () => (await context.Session.ElbV2.CreateListenerAsync(new Elb.CreateListenerRequest
                {
                    LoadBalancerArn = lbArn,
                    Port = spec.Port,
                    Protocol = spec.Protocol,
                    SslPolicy = spec.SslPolicy,
                    Certificates = Certificates(spec),
                    DefaultActions = Forward(tgArn),
                    Tags = Tags.ToList(spec.Tags, (k, v) => new Elb.Tag { Key = k, Value = v }),
                }, ct).ConfigureAwait(false)).Listeners![0],
                OnPortAsync, ct).ConfigureAwait(false);
            Made(context, spec.Name, created.ListenerArn!);
            return null;
        }
        catch (AwsApiException e) when (e.ErrorCode == "DuplicateListener")
        {
            return await OnPortAsync().ConfigureAwait(false)
                ?? throw new InvalidOperationException($"ELBv2 says a listener on port {spec.Port} of {spec.LoadBalancerName} exists (DuplicateListener), but none is listed.");
        }
    }

    private static async Task<List<Elb.Listener>> ListAsync(string lbArn, ApplyContext context) =>
        await context.Session.ElbV2.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lbArn }, context.CancellationToken)
            .ToListAsync(context.CancellationToken).ConfigureAwait(false);

    private static List<Elb.AwsAction> Forward(string targetGroupArn) => [new() { Type = Elb.ActionTypeEnum.Forward, TargetGroupArn = targetGroupArn }];

    private static List<Elb.Certificate>? Certificates(ListenerSpec spec) => spec.CertificateArn is null ? null : [new() { CertificateArn = spec.CertificateArn }];

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
                var listeners = await context.Session.ElbV2.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = balancer.LoadBalancerArn! }, context.CancellationToken)
                    .ToListAsync(context.CancellationToken).ConfigureAwait(false);
                // Listeners live and die with the app's load balancer, whoever added them.
                result.AddRange(listeners.Where(l => l.ListenerArn is not null).Select(l =>
                    new FoundResource(this, $"{balancer.LoadBalancerName}:{l.Port}", l.ListenerArn!, balancer.LoadBalancerArn)));
            }
            catch (AwsApiException e) when (e.ErrorCode == "LoadBalancerNotFound")
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
        await Converge.TolerateAsync(() => context.Session.ElbV2.DeleteListenerAsync(new Elb.DeleteListenerRequest { ListenerArn = resource.Id }, context.CancellationToken),
            "ListenerNotFound").ConfigureAwait(false);
        context.Removed(resource, $"removed listener {resource.Name}");
    }
}

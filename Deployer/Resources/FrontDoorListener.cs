using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;

namespace Aspire.Deployer.Resources;

/// <summary>A listener of the front door: HTTPS on 443 answering 404 unless a rule matches, or HTTP on 80 redirecting to it.</summary>
/// <param name="Name">The load balancer and port, e.g. <c>shop-prod:443</c>.</param>
/// <param name="Owner">Null: the app's services share it.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="LoadBalancerName">The load balancer.</param>
/// <param name="Port">443 or 80.</param>
/// <param name="Protocol"><c>HTTPS</c> or <c>HTTP</c>.</param>
/// <param name="Certificate">For HTTPS: the requested certificate's name, or the given certificate's ARN.</param>
/// <param name="SslPolicy">For HTTPS: the TLS policy.</param>
/// <param name="DefaultAction">What it does with a request no rule matches: <see cref="FrontDoorListenerKind.NotFound"/> or <see cref="FrontDoorListenerKind.RedirectToHttps"/>.</param>
public sealed record FrontDoorListenerSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    string LoadBalancerName,
    int Port,
    string Protocol,
    string? Certificate,
    string? SslPolicy,
    string DefaultAction)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => FrontDoorListenerKind.Instance;

    /// <inheritdoc />
    public override string Describe() =>
        $"{Protocol} {Num(Port)}, {DefaultAction}" + (Certificate is null ? "" : $", certificate {Certificate}, {SslPolicy}");
}

/// <summary>
/// The two listeners of the front door (<c>Aws:Domain</c>): HTTPS on 443 with the certificate and TLS 1.3/1.2
/// (<see cref="FrontDoor.DefaultSslPolicy"/>), answering a fixed 404 to what no listener rule claims, and HTTP on 80
/// answering 301 to the same URL on HTTPS. The per-service listeners of the no-domain shape go when the front door
/// comes, and these go when it goes. Destroy leaves them to the listener kind, which removes every listener of the
/// app's load balancer.
/// </summary>
public sealed class FrontDoorListenerKind : ResourceKind<FrontDoorListenerSpec>, IRemovesStrays
{
    /// <summary>The HTTPS listener's default action.</summary>
    public const string NotFound = "fixed-response 404";

    /// <summary>The HTTP listener's default action.</summary>
    public const string RedirectToHttps = "redirect to HTTPS 443 (HTTP_301)";

    /// <summary>The kind.</summary>
    public static FrontDoorListenerKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "FrontDoorListener";

    /// <inheritdoc />
    public override string Label => "front door listener";

    /// <inheritdoc />
    public override BatchTagReader BatchTags => ElbV2Tags.Instance;

    /// <inheritdoc />
    public bool IsStray(ObservedResource resource, DesiredState desired) => true; // only what carries the app's tags (or points at its load balancer) is read

    /// <inheritdoc />
    public string StrayReason(ObservedResource resource) => "the load balancer's front door changed (Aws:Domain set or removed)";

    /// <summary>The ports the load balancer listens on, which its security group opens: 80 and 443 with a front door,
    /// else each service's listener port.</summary>
    /// <param name="context">The deployment.</param>
    public static IEnumerable<int> PublicPorts(DesiredContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Deployment.FrontDoor is null ? context.LoadBalanced.Select(s => s.ListenerPort) : [FrontDoor.HttpPort, FrontDoor.HttpsPort];
    }

    /// <inheritdoc />
    protected override IEnumerable<FrontDoorListenerSpec> DesiredSpecs(DesiredContext context)
    {
        if (context.Deployment.FrontDoor is not { } door || context.LoadBalanced.Count == 0)
        {
            yield break;
        }

        var names = context.Services[0].Names;
        var certificate = door.CertificateArn ?? CertificateKind.Instance.Desire(context).Single().Name;
        yield return new FrontDoorListenerSpec(ListenerKind.ListenerName(names.LoadBalancer, FrontDoor.HttpsPort), null, names.SharedTags, names.LoadBalancer,
            FrontDoor.HttpsPort, "HTTPS", certificate, door.SslPolicy, NotFound);
        yield return new FrontDoorListenerSpec(ListenerKind.ListenerName(names.LoadBalancer, FrontDoor.HttpPort), null, names.SharedTags, names.LoadBalancer,
            FrontDoor.HttpPort, "HTTP", null, null, RedirectToHttps);
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var deployment = context.Desired.Deployment;
        if (deployment.Services.Count == 0 || context.IdOf(LoadBalancerKind.Instance, deployment.Services[0].Names.LoadBalancer) is not { } lbArn)
        {
            return [];
        }

        var lbName = deployment.Services[0].Names.LoadBalancer;
        var desired = context.DesiredOf<FrontDoorListenerSpec>();
        var servicePorts = context.DesiredOf<ListenerSpec>().Select(l => l.Port).ToHashSet();
        var listeners = await context.Session.ElbV2.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lbArn }, context.CancellationToken)
            .ToListAsync(context.CancellationToken).ConfigureAwait(false);
        var found = new List<ObservedResource>();
        foreach (var listener in listeners.Where(l => l.ListenerArn is not null && l.Port is { } port && !servicePorts.Contains(port)))
        {
            var observed = Observed(listener, lbName, context);
            // With a front door every other listener is a leftover; without one, only what looks like a front door is.
            if (desired.Count > 0 || observed.DefaultAction is NotFound or RedirectToHttps)
            {
                found.Add(new ObservedResource(observed, listener.ListenerArn!));
            }
        }

        return found;
    }

    private static FrontDoorListenerSpec Observed(Elb.Listener listener, string lbName, ReadContext context)
    {
        var secure = listener.Protocol is "HTTPS" or "TLS";
        var certificate = secure ? listener.Certificates?.FirstOrDefault()?.CertificateArn : null;
        return new FrontDoorListenerSpec(ListenerKind.ListenerName(lbName, listener.Port ?? 0), null, new Dictionary<string, string>(), lbName, listener.Port ?? 0,
            listener.Protocol ?? "", certificate is null ? null : context.NameOf(CertificateKind.Instance, certificate), secure ? listener.SslPolicy : null,
            DescribeAction(listener.DefaultActions ?? []));
    }

    /// <summary>A default action as the plan shows it.</summary>
    /// <param name="actions">A listener's default actions.</param>
    public static string DescribeAction(IReadOnlyList<Elb.AwsAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        return actions.Count == 1 ? actions[0] switch
        {
            { Type: Elb.ActionTypeEnum.FixedResponse, FixedResponseConfig: { } f } => $"fixed-response {f.StatusCode}",
            { Type: Elb.ActionTypeEnum.Redirect, RedirectConfig: { } r } when (r.Host ?? "#{host}") == "#{host}" && (r.Path ?? "/#{path}") == "/#{path}"
                && (r.Query ?? "#{query}") == "#{query}" => $"redirect to {r.Protocol} {r.Port} ({r.StatusCode})",
            { Type: Elb.ActionTypeEnum.Forward } => "forward",
            var a => a.Type ?? "?",
        } : string.Join(" + ", actions.Select(a => a.Type));
    }

    /// <inheritdoc />
    protected override void Compare(FrontDoorListenerSpec desired, FrontDoorListenerSpec current, Diff diff)
    {
        diff.Compare("protocol", current.Protocol, desired.Protocol);
        diff.Compare("certificate", current.Certificate, desired.Certificate);
        diff.Compare("TLS policy", current.SslPolicy, desired.SslPolicy);
        diff.Compare("default action", current.DefaultAction, desired.DefaultAction);
    }

    /// <inheritdoc />
    protected override PlannedChange Cascade(PlannedChange change, FrontDoorListenerSpec desired, PlanContext context) =>
        context.ChangeOf(LoadBalancerKind.Instance, desired.LoadBalancerName)?.Action == ChangeAction.Replace && change.Action != ChangeAction.Create
            ? change with { Action = ChangeAction.Create, Reason = "its load balancer is replaced", Details = desired.Describe(), Changes = [] }
            : change;

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<FrontDoorListenerSpec> change, ApplyContext context)
    {
        var (spec, session, ct) = (change.Desired, context.Session, context.CancellationToken);
        var lbArn = context.Id(LoadBalancerKind.Instance, spec.LoadBalancerName);
        async Task<Elb.Listener?> OnPortAsync() =>
            (await session.ElbV2.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lbArn }, ct).ToListAsync(ct).ConfigureAwait(false))
                .FirstOrDefault(l => l.Port == spec.Port);
        Elb.Listener listener;
        try
        {
            // ELBv2 answers a repeated create with the same settings with the existing listener (moto makes a second one).
            listener = await Converge.CreateOnceAsync(session, async () => (await session.ElbV2.CreateListenerAsync(new Elb.CreateListenerRequest
            {
                LoadBalancerArn = lbArn,
                Port = spec.Port,
                Protocol = spec.Protocol,
                SslPolicy = spec.SslPolicy,
                Certificates = Certificates(spec, context),
                DefaultActions = Actions(spec),
                Tags = Tags.ToList(spec.Tags, (k, v) => new Elb.Tag { Key = k, Value = v }),
            }, ct).ConfigureAwait(false)).Listeners![0], OnPortAsync, ct).ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == "DuplicateListener")
        {
            // Another listener holds the port (a per-service one of the no-domain shape that is removed after this): take it over.
            listener = await OnPortAsync().ConfigureAwait(false) ?? throw new InvalidOperationException($"ELBv2 says port {spec.Port} of {spec.LoadBalancerName} is taken, but no listener is listed on it.");
            await ModifyAsync(spec, listener.ListenerArn!, context).ConfigureAwait(false);
            await LoadBalancerKind.AddTagsAsync(session, listener.ListenerArn!, spec.Tags, ct).ConfigureAwait(false);
        }

        Made(context, spec.Name, listener.ListenerArn!);
    }

    /// <inheritdoc />
    protected override async Task UpdateAsync(Change<FrontDoorListenerSpec> change, ApplyContext context)
    {
        var arn = change.Observed!.Id;
        if (change.Planned.Changes.Count > 0)
        {
            await ModifyAsync(change.Desired, arn, context).ConfigureAwait(false);
        }

        if (change.TagsDiffer)
        {
            await LoadBalancerKind.AddTagsAsync(context.Session, arn, change.Desired.Tags, context.CancellationToken).ConfigureAwait(false);
        }
    }

    private static Task ModifyAsync(FrontDoorListenerSpec spec, string arn, ApplyContext context) =>
        context.Session.ElbV2.ModifyListenerAsync(new Elb.ModifyListenerRequest
        {
            ListenerArn = arn,
            Port = spec.Port,
            Protocol = spec.Protocol,
            SslPolicy = spec.SslPolicy,
            Certificates = Certificates(spec, context),
            DefaultActions = Actions(spec),
        }, context.CancellationToken);

    private static List<Elb.Certificate>? Certificates(FrontDoorListenerSpec spec, ApplyContext context) => spec.Certificate switch
    {
        null => null,
        var arn when arn.StartsWith("arn:", StringComparison.Ordinal) => [new() { CertificateArn = arn }],
        var name => [new() { CertificateArn = context.Id(CertificateKind.Instance, name) }],
    };

    private static List<Elb.AwsAction> Actions(FrontDoorListenerSpec spec) => spec.DefaultAction == NotFound
        ? [new() { Type = Elb.ActionTypeEnum.FixedResponse, FixedResponseConfig = new() { StatusCode = "404", ContentType = "text/plain", MessageBody = "Not found" } }]
        : [new() { Type = Elb.ActionTypeEnum.Redirect, RedirectConfig = new() { Protocol = "HTTPS", Port = FrontDoor.HttpsPort.ToString(CultureInfo.InvariantCulture), StatusCode = Elb.RedirectActionStatusCodeEnum.Http301 } }];

    /// <inheritdoc />
    protected override async Task DeleteStrayAsync(PlannedChange change, ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        await Converge.TolerateAsync(() => context.Session.ElbV2.DeleteListenerAsync(new Elb.DeleteListenerRequest { ListenerArn = change.Observed!.Id }, context.CancellationToken),
            "ListenerNotFound").ConfigureAwait(false);
        context.Info($"  deleted listener {change.Name}");
    }

    /// <inheritdoc />
    public override Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context) => Task.FromResult<IReadOnlyList<FoundResource>>([]);

    /// <inheritdoc />
    public override Task DeleteAsync(FoundResource resource, DestroyContext context) => Task.CompletedTask;
}

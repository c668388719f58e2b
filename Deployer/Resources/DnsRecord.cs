using System.Text.RegularExpressions;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using R53 = Aspire.Deployer.Aws.Route53;

namespace Aspire.Deployer.Resources;

/// <summary>A Route 53 alias record of one host name to the app's load balancer.</summary>
/// <param name="Name">The record's name and type, e.g. <c>app.example.com A</c>.</param>
/// <param name="Owner">The Aspire resource served on that host, or null when several are (by path).</param>
/// <param name="Tags">None: record sets have no tags (the app's are the aliases to its load balancer).</param>
/// <param name="ZoneId">The hosted zone.</param>
/// <param name="ZoneName">The zone's name.</param>
/// <param name="RecordName">The host name.</param>
/// <param name="Type"><c>A</c>, or <c>AAAA</c> for a dualstack load balancer.</param>
/// <param name="Target">What it points at: <c>load balancer {name}</c>, or (as read) whatever else.</param>
/// <param name="EvaluateTargetHealth">Whether Route 53 answers with the load balancer only while it is healthy.</param>
public sealed record DnsRecordSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    string ZoneId,
    string ZoneName,
    string RecordName,
    string Type,
    string Target,
    bool EvaluateTargetHealth)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => DnsRecordKind.Instance;

    /// <inheritdoc />
    public override string Describe() => $"alias to {Target} in zone {ZoneName} ({ZoneId}){(EvaluateTargetHealth ? ", evaluating target health" : "")}";
}

/// <summary>
/// Alias records (A, and AAAA when the load balancer is dualstack) of every front door host to the load balancer,
/// written with UPSERT and waited for until Route 53 serves them. A record of such a name that is not an alias to
/// the app's load balancer is someone else's: the plan refuses to overwrite it. An alias to the app's load balancer
/// at a name the app's certificate covered but the model no longer has is removed.
/// </summary>
public sealed partial class DnsRecordKind : ResourceKind<DnsRecordSpec>, IRemovesStrays
{
    private static readonly TimeSpan InSyncTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The kind.</summary>
    public static DnsRecordKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "DnsRecord";

    /// <inheritdoc />
    public override string Label => "DNS record";

    /// <inheritdoc />
    public bool IsStray(ObservedResource resource, DesiredState desired) => true; // only what carries the app's tags (or points at its load balancer) is read

    /// <inheritdoc />
    public string StrayReason(ObservedResource resource) => "the front door no longer serves this name";

    /// <inheritdoc />
    protected override bool ComparesTags => false;

    /// <summary>What an alias to the load balancer named <paramref name="loadBalancer"/> reads as.</summary>
    /// <param name="loadBalancer">The load balancer's name.</param>
    public static string TargetOf(string loadBalancer) => $"load balancer {loadBalancer}";

    /// <summary>True when an alias target is the load balancer of this name: its DNS name (with or without
    /// <c>dualstack.</c> and the final dot), or one an earlier load balancer of that name had.</summary>
    /// <param name="aliasDns">The alias target's DNS name.</param>
    /// <param name="loadBalancer">The load balancer's name.</param>
    /// <param name="dns">Its DNS name, when it exists.</param>
    public static bool PointsAt(string? aliasDns, string loadBalancer, string? dns)
    {
        if (aliasDns is null)
        {
            return false;
        }

        var name = aliasDns.TrimEnd('.').ToLowerInvariant();
        name = name.StartsWith("dualstack.", StringComparison.Ordinal) ? name["dualstack.".Length..] : name;
        return (dns is not null && name == dns.TrimEnd('.').ToLowerInvariant())
            || (name.StartsWith(loadBalancer.ToLowerInvariant() + "-", StringComparison.Ordinal) && ElbDnsSuffix().IsMatch(name[(loadBalancer.Length + 1)..]));
    }

    /// <inheritdoc />
    protected override IEnumerable<DnsRecordSpec> DesiredSpecs(DesiredContext context)
    {
        if (context.Deployment.FrontDoor is not { Zone: { } zone } door || context.LoadBalanced.Count == 0)
        {
            yield break;
        }

        var balancer = LoadBalancerKind.Instance.Desire(context).OfType<LoadBalancerSpec>().First();
        string[] types = balancer.IpAddressType == "dualstack" ? [R53.RRType.A, R53.RRType.Aaaa] : [R53.RRType.A];
        foreach (var host in door.Hosts(context.LoadBalanced))
        {
            var served = context.LoadBalanced.Where(s => door.RouteOf(s).Host == host).Select(s => s.Names.Resource).ToList();
            foreach (var type in types)
            {
                yield return new DnsRecordSpec($"{host} {type}", served.Count == 1 ? served[0] : null, new Dictionary<string, string>(), zone.Id, zone.Name,
                    host, type, TargetOf(balancer.Name), true);
            }
        }
    }

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
        var lbDns = context.Found.FirstOrDefault(f => f.Spec.Kind == LoadBalancerKind.Instance)?.Address;
        var desired = context.DesiredOf<DnsRecordSpec>();
        // Names the app served: its certificates' (also one the model has dropped), and the desired ones.
        var served = context.Found.Where(f => f.Spec is CertificateSpec).SelectMany(f => ((CertificateSpec)f.Spec).Names)
            .Concat(desired.Select(d => d.RecordName)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var zones = await ZonesAsync(context, desired).ConfigureAwait(false);
        var found = new List<ObservedResource>();
        var problems = new List<string>();
        foreach (var zone in zones)
        {
            var records = await Route53Records.ListAsync(context.Session, zone.Id, context.CancellationToken).ConfigureAwait(false);
            foreach (var spec in desired.Where(d => d.ZoneId == zone.Id))
            {
                var record = records.FirstOrDefault(r => Route53Records.SameName(r.Name, spec.RecordName) && r.Type == spec.Type)
                    ?? records.FirstOrDefault(r => Route53Records.SameName(r.Name, spec.RecordName) && r.Type == R53.RRType.Cname);
                if (record is null)
                {
                    continue;
                }

                if (record.Type != spec.Type || !PointsAt(record.AliasTarget?.DNSName, lbName, lbDns))
                {
                    problems.Add($"{spec.RecordName} already has a {record.Type} record in zone {zone.Name} ({Describe(record)}) that is no alias to this app's load balancer; " +
                                 "the deploy would replace it. Remove that record if it is no longer used, or serve the service on another Host.");
                    continue;
                }

                found.Add(new ObservedResource(spec with { Target = TargetOf(lbName), EvaluateTargetHealth = record.AliasTarget!.EvaluateTargetHealth }, zone.Id));
            }

            found.AddRange(records
                .Where(r => r.Type is R53.RRType.A or R53.RRType.Aaaa && PointsAt(r.AliasTarget?.DNSName, lbName, lbDns) && served.Contains(r.Name.TrimEnd('.')))
                .Where(r => !desired.Any(d => Route53Records.SameName(d.RecordName, r.Name) && d.Type == r.Type))
                .Select(r => new ObservedResource(new DnsRecordSpec($"{r.Name.TrimEnd('.')} {r.Type}", null, new Dictionary<string, string>(), zone.Id, zone.Name,
                    r.Name.TrimEnd('.'), r.Type, TargetOf(lbName), r.AliasTarget!.EvaluateTargetHealth), zone.Id)));
        }

        return problems.Count > 0 ? throw new DeploymentValidationException(problems) : found;
    }

    // The desired zone; without one, the zones of the certificates the app no longer wants (a domain that was dropped).
    private static async Task<List<HostedZoneRef>> ZonesAsync(ReadContext context, IReadOnlyList<DnsRecordSpec> desired)
    {
        var zones = desired.Select(d => new HostedZoneRef(d.ZoneId, d.ZoneName)).Distinct().ToList();
        var wanted = context.Desired.OfType<CertificateSpec>().Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var dropped in context.Found.Select(f => f.Spec).OfType<CertificateSpec>().Where(c => !wanted.Contains(c.Name)))
        {
            if (!zones.Any(z => z.Holds(dropped.Names[0])) && await Route53Records.ZoneOfAsync(context.Session, dropped.Names[0], context.CancellationToken).ConfigureAwait(false) is { } zone)
            {
                zones.Add(zone);
            }
        }

        return zones;
    }

    private static string Describe(R53.ResourceRecordSet record) =>
        record.AliasTarget is { } alias ? $"an alias to {alias.DNSName}" : string.Join(", ", (record.ResourceRecords ?? []).Select(r => r.Value));

    /// <inheritdoc />
    protected override void Compare(DnsRecordSpec desired, DnsRecordSpec current, Diff diff)
    {
        diff.Compare("target", current.Target, desired.Target);
        diff.Compare("evaluate target health", current.EvaluateTargetHealth, desired.EvaluateTargetHealth);
    }

    /// <inheritdoc />
    protected override PlannedChange Cascade(PlannedChange change, DnsRecordSpec desired, PlanContext context) =>
        context.ChangesOf(LoadBalancerKind.Instance).Any(c => c.Action == ChangeAction.Replace) ? change.Touched("load balancer", "current", "replaced") : change;

    /// <inheritdoc />
    protected override Task CreateAsync(Change<DnsRecordSpec> change, ApplyContext context) => UpsertAsync(change.Desired, context);

    /// <inheritdoc />
    protected override Task UpdateAsync(Change<DnsRecordSpec> change, ApplyContext context) => UpsertAsync(change.Desired, context);

    private async Task UpsertAsync(DnsRecordSpec spec, ApplyContext context)
    {
        var (session, ct) = (context.Session, context.CancellationToken);
        var lbName = context.Desired.OfType<LoadBalancerSpec>().First().Name;
        var lb = await LoadBalancerKind.DescribeAsync(session, lbName, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"load balancer {lbName} should exist by now but was not found.");
        var dns = lb.IpAddressType == "dualstack" ? "dualstack." + lb.DNSName : lb.DNSName!;
        var record = new R53.ResourceRecordSet
        {
            Name = spec.RecordName,
            Type = spec.Type,
            AliasTarget = new R53.AliasTarget { HostedZoneId = lb.CanonicalHostedZoneId!, DNSName = dns, EvaluateTargetHealth = spec.EvaluateTargetHealth },
        };
        var change = await Route53Records.UpsertAsync(session, spec.ZoneId, [record], $"{spec.RecordName} to {lbName}", ct).ConfigureAwait(false);
        Made(context, spec.Name, spec.ZoneId);
        var poll = context.Desired.Deployment.FrontDoor?.PollInterval ?? TimeSpan.FromSeconds(10);
        await Route53Records.WaitInSyncAsync(session, change, $"the {spec.Type} record {spec.RecordName}", InSyncTimeout, poll, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task DeleteStrayAsync(PlannedChange change, ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        var spec = (DnsRecordSpec)change.Observed!.Spec;
        var lbName = context.Plan.Current?.Resources.FirstOrDefault(r => r.Spec.Kind == LoadBalancerKind.Instance);
        await Route53Records.DeleteAsync(context.Session, spec.ZoneId, spec.RecordName, spec.Type,
            keep: r => !PointsAt(r.AliasTarget?.DNSName, lbName?.Spec.Name ?? "", lbName?.Address), context.CancellationToken).ConfigureAwait(false);
        context.Info($"  deleted DNS record {change.Name}");
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var balancers = (await ElbV2Tags.OwnedAsync(context).ConfigureAwait(false)).LoadBalancers;
        var certificates = await CertificateKind.OwnedAsync(context).ConfigureAwait(false);
        var names = certificates.SelectMany(c => c.Names).Concat(context.Scope.FrontDoor?.Hosts ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var zones = new Dictionary<string, HostedZoneRef>(StringComparer.Ordinal);
        if (context.Scope.FrontDoor?.HostedZoneId is { } given)
        {
            zones[given] = new HostedZoneRef(given, context.Scope.FrontDoor.Domain);
        }

        foreach (var name in certificates.Select(c => c.Names[0]).Append(context.Scope.FrontDoor?.Domain).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (!zones.Values.Any(z => z.Holds(name)) && await Route53Records.ZoneOfAsync(context.Session, name, context.CancellationToken).ConfigureAwait(false) is { } zone)
            {
                zones[zone.Id] = zone;
            }
        }

        var result = new List<FoundResource>();
        foreach (var zone in zones.Values)
        {
            var records = await Route53Records.ListAsync(context.Session, zone.Id, context.CancellationToken).ConfigureAwait(false);
            result.AddRange(records
                .Where(r => r.Type is R53.RRType.A or R53.RRType.Aaaa && names.Contains(r.Name.TrimEnd('.'))
                    && balancers.Any(b => PointsAt(r.AliasTarget?.DNSName, b.LoadBalancerName!, b.DNSName)))
                .Select(r => new FoundResource(this, $"{r.Name.TrimEnd('.')} {r.Type}", zone.Id, Parent: r.Name.TrimEnd('.'), State: r.Type)));
        }

        return result;
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        await Route53Records.DeleteAsync(context.Session, resource.Id, resource.Parent!, resource.State!, keep: r => r.AliasTarget is null, context.CancellationToken).ConfigureAwait(false);
        context.Removed(resource, $"removed DNS record {resource.Name}");
    }

    // What follows "{name}-" in an Application Load Balancer's DNS name: "{digits}.{region}.elb.amazonaws.com[.cn]".
    [GeneratedRegex(@"^\d+\.[a-z0-9-]+\.elb\.amazonaws\.com(\.cn)?$")]
    private static partial Regex ElbDnsSuffix();
}

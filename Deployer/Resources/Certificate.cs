using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Acm = Aspire.Deployer.Aws.CertificateManager;
using R53 = Aspire.Deployer.Aws.Route53;

namespace Aspire.Deployer.Resources;

/// <summary>An ACM certificate requested for the front door's names, validated through DNS records in the hosted zone.</summary>
/// <param name="Name">Its names joined, the domain first (a certificate's names cannot change: other names are another certificate).</param>
/// <param name="Owner">Null: the app's services share it.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="Names">The names it covers, the domain first.</param>
/// <param name="ZoneId">The hosted zone its validation records go in.</param>
/// <param name="ZoneName">That zone's name.</param>
/// <param name="Status">Its ACM status; desired: ISSUED.</param>
/// <param name="Timeout">How long a deploy waits for it to be ISSUED.</param>
/// <param name="PollInterval">Time between checks while it waits.</param>
public sealed record CertificateSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> Names,
    string? ZoneId,
    string? ZoneName,
    string Status,
    TimeSpan Timeout,
    TimeSpan PollInterval)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => CertificateKind.Instance;

    /// <inheritdoc />
    public override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"ACM, DNS-validated by CNAME records in zone {ZoneName} ({ZoneId}); the deploy waits until it is ISSUED (at most {Timeout.TotalMinutes:0.#} min)");
}

/// <summary>
/// The front door's certificate when none is given (<c>Aws:CertificateArn</c>): requested from ACM for every host,
/// its validation CNAMEs written in the hosted zone, and waited for until ISSUED, with a line of progress every
/// minute and a bound. Found by the app's tags; other names mean another certificate (made before the old one goes,
/// once the listener uses the new one). Destroy deletes only what a deploy requested, with the validation records
/// no other certificate of the region still needs.
/// </summary>
public sealed class CertificateKind : ResourceKind<CertificateSpec>, IRemovesStrays
{
    private const string Issued = Acm.CertificateStatus.Issued;

    // One token per run: a retried RequestCertificate whose answer was lost returns the same certificate; a later
    // run finds it by its tags instead (a token reused after a destroy would give back the deleted certificate).
    private static readonly string RunToken = Guid.NewGuid().ToString("N");

    /// <summary>How long the deploy waits for ACM to list the validation records of a new certificate.</summary>
    public static readonly TimeSpan RecordsTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The kind.</summary>
    public static CertificateKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "Certificate";

    /// <inheritdoc />
    public override string Label => "certificate";

    /// <inheritdoc />
    public bool IsStray(ObservedResource resource, DesiredState desired) => true; // only what carries the app's tags (or points at its load balancer) is read

    /// <inheritdoc />
    public string StrayReason(ObservedResource resource) => "no longer needed: the front door serves other names now (or no domain)";

    /// <summary>A certificate's name in the plan: its names joined, the domain first.</summary>
    /// <param name="names">Its names.</param>
    public static string NameOf(IEnumerable<string> names) => string.Join(", ", names);

    /// <inheritdoc />
    protected override IEnumerable<CertificateSpec> DesiredSpecs(DesiredContext context)
    {
        if (context.Deployment.FrontDoor is not { CertificateArn: null } door || context.LoadBalanced.Count == 0)
        {
            yield break;
        }

        var names = door.Hosts(context.LoadBalanced);
        yield return new CertificateSpec(NameOf(names), null, context.LoadBalanced[0].Names.SharedTags, names, door.Zone?.Id, door.Zone?.Name,
            Issued, door.CertificateTimeout, door.PollInterval);
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (session, ct) = (context.Session, context.CancellationToken);
        var deployment = context.Desired.Deployment;
        var desired = context.DesiredOf<CertificateSpec>();
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        if (desired.Count > 0)
        {
            var primaries = desired.Select(d => d.Names[0]).ToHashSet(StringComparer.OrdinalIgnoreCase);
            await foreach (var summary in session.Acm.ListCertificatesItemsAsync(new Acm.ListCertificatesRequest(), ct).ConfigureAwait(false))
            {
                if (summary.CertificateArn is { } arn && primaries.Contains(summary.DomainName ?? ""))
                {
                    candidates.Add(arn);
                }
            }
        }

        // The certificate the app's HTTPS listener serves now: after a change of domain (or none any more) it is the one to remove.
        if (deployment.Services.Count > 0 && context.IdOf(LoadBalancerKind.Instance, deployment.Services[0].Names.LoadBalancer) is { } lbArn)
        {
            await foreach (var listener in session.ElbV2.DescribeListenersItemsAsync(new() { LoadBalancerArn = lbArn }, ct).ConfigureAwait(false))
            {
                candidates.UnionWith(listener.Port == FrontDoor.HttpsPort ? (listener.Certificates ?? []).Select(c => c.CertificateArn).OfType<string>() : []);
            }
        }

        var scope = new AppScope(deployment.App, deployment.Environment);
        var owned = await OwnedAsync(session, scope, candidates, ct).ConfigureAwait(false);
        var template = desired.FirstOrDefault();
        return [.. Named(owned).Select(x => new ObservedResource(new CertificateSpec(x.Name, null, x.Tags, x.Names, template?.ZoneId, template?.ZoneName,
            x.Detail.Status ?? "", template?.Timeout ?? TimeSpan.Zero, template?.PollInterval ?? TimeSpan.FromSeconds(10)), x.Detail.CertificateArn!))];
    }

    /// <inheritdoc />
    protected override void Compare(CertificateSpec desired, CertificateSpec current, Diff diff)
    {
        // Pending: validated in place. Failed, timed out, revoked, expired: ACM validates it no more, so a new one is requested.
        var replaceBecause = current.Status is Acm.CertificateStatus.PendingValidation or Issued ? null : "ACM does not validate it again: a new certificate is requested";
        diff.Compare("status", current.Status, desired.Status, replaceBecause);
    }

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<CertificateSpec> change, ApplyContext context)
    {
        var arn = await RequestAsync(change.Desired, previous: null, context).ConfigureAwait(false);
        Made(context, change.Desired.Name, arn);
        await ValidateAsync(change.Desired, arn, context).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task UpdateAsync(Change<CertificateSpec> change, ApplyContext context)
    {
        var arn = change.Observed!.Id;
        if (change.TagsDiffer)
        {
            await context.Session.Acm.AddTagsToCertificateAsync(new Acm.AddTagsToCertificateRequest { CertificateArn = arn, Tags = AcmTags(change.Desired.Tags) },
                context.CancellationToken).ConfigureAwait(false);
        }

        if (change.Current!.Status != Issued)
        {
            await ValidateAsync(change.Desired, arn, context).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override async Task ReplaceAsync(Change<CertificateSpec> change, ApplyContext context)
    {
        var old = change.Observed!.Id;
        var arn = await RequestAsync(change.Desired, previous: old, context).ConfigureAwait(false);
        Made(context, change.Desired.Name, arn);
        await ValidateAsync(change.Desired, arn, context).ConfigureAwait(false);
        try
        {
            await context.Session.Acm.DeleteCertificateAsync(new Acm.DeleteCertificateRequest { CertificateArn = old }, context.CancellationToken).ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == "ResourceInUseException")
        {
            context.Progress?.Warn($"the {change.Current!.Status} certificate {old} is still in use; the next deploy removes it once the listener serves the new one.");
        }
    }

    /// <inheritdoc />
    protected override async Task DeleteStrayAsync(PlannedChange change, ApplyContext context)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(context);
        // ACM still counts the listener that just stopped using it for a few seconds (aws/aws-cdk#4179).
        await Converge.RetryWhileAsync($"certificate {change.Name} is still in use", () => DeleteWithRecordsAsync(context.Session, change.Observed!.Id, context.CancellationToken),
            e => e.ErrorCode == "ResourceInUseException", new RetryBudget(TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(20)),
            context.Info, context.CancellationToken).ConfigureAwait(false);
        context.Info($"  deleted certificate {change.Name} and its validation records");
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        var owned = await OwnedAsync(context).ConfigureAwait(false);
        return [.. owned.Select(c => new FoundResource(this, c.Name, c.Arn))];
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        await context.RetryWhileInUseAsync(resource, () => DeleteWithRecordsAsync(context.Session, resource.Id, context.CancellationToken), "ResourceInUseException").ConfigureAwait(false);
        context.Removed(resource, $"removed certificate {resource.Name} and its validation records");
    }

    /// <summary>The certificates of the region that carry the app's tags, with their names; asked once per find.</summary>
    /// <param name="context">The find context.</param>
    public static Task<IReadOnlyList<(string Arn, string Name, IReadOnlyList<string> Names)>> OwnedAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Shared.GetAsync("acm:owned", async () =>
        {
            var arns = await context.Session.Acm.ListCertificatesItemsAsync(new Acm.ListCertificatesRequest(), context.CancellationToken)
                .Select(c => c.CertificateArn).OfType<string>().ToListAsync(context.CancellationToken).ConfigureAwait(false);
            var owned = await OwnedAsync(context.Session, context.Scope, arns, context.CancellationToken).ConfigureAwait(false);
            return (IReadOnlyList<(string, string, IReadOnlyList<string>)>)[.. Named(owned).Select(c => (c.Detail.CertificateArn!, c.Name, c.Names))];
        });
    }

    private static async Task<List<(Acm.CertificateDetail Detail, IReadOnlyDictionary<string, string> Tags)>> OwnedAsync(
        AwsSession session, AppScope scope, IEnumerable<string> arns, CancellationToken ct)
    {
        var owned = new List<(Acm.CertificateDetail, IReadOnlyDictionary<string, string>)>();
        foreach (var arn in arns)
        {
            try
            {
                var tags = (await session.Acm.ListTagsForCertificateAsync(new Acm.ListTagsForCertificateRequest { CertificateArn = arn }, ct).ConfigureAwait(false)).Tags;
                if (scope.Owns(tags?.Select(t => new KeyValuePair<string, string>(t.Key, t.Value ?? ""))))
                {
                    var detail = (await session.Acm.DescribeCertificateAsync(new Acm.DescribeCertificateRequest { CertificateArn = arn }, ct).ConfigureAwait(false)).Certificate!;
                    owned.Add((detail, Engine.Tags.ToDictionary(tags, t => t.Key, t => t.Value ?? "")));
                }
            }
            catch (AwsApiException e) when (e.ErrorCode == "ResourceNotFoundException")
            {
                // deleted since it was listed
            }
        }

        return owned;
    }

    // Names for what was found: its names joined; a second certificate of the same names (an interrupted
    // replacement) gets its id appended, so it is planned for removal instead of hiding behind the first.
    private static IEnumerable<(string Name, IReadOnlyList<string> Names, Acm.CertificateDetail Detail, IReadOnlyDictionary<string, string> Tags)> Named(
        List<(Acm.CertificateDetail Detail, IReadOnlyDictionary<string, string> Tags)> owned) =>
        owned.Select(c => (Names: NamesOf(c.Detail), c.Detail, c.Tags))
            .GroupBy(c => NameOf(c.Names), StringComparer.Ordinal)
            .SelectMany(g => g.OrderByDescending(c => c.Detail.Status == Issued).ThenByDescending(c => c.Detail.CreatedAt)
                .Select((c, i) => (i == 0 ? g.Key : $"{g.Key} ({Arn.LastSegment(c.Detail.CertificateArn!)})", c.Names, c.Detail, c.Tags)));

    private static IReadOnlyList<string> NamesOf(Acm.CertificateDetail detail)
    {
        var domain = detail.DomainName ?? "";
        return [domain, .. (detail.SubjectAlternativeNames ?? []).Where(n => !n.Equals(domain, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)];
    }

    private static async Task<string> RequestAsync(CertificateSpec spec, string? previous, ApplyContext context)
    {
        var token = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{RunToken}|{spec.Name}|{previous}")))[..32];
        var response = await context.Session.Acm.RequestCertificateAsync(new Acm.RequestCertificateRequest
        {
            DomainName = spec.Names[0],
            SubjectAlternativeNames = spec.Names.Count > 1 ? spec.Names : null,
            ValidationMethod = Acm.ValidationMethod.Dns,
            KeyAlgorithm = Acm.KeyAlgorithm.Rsa2048,
            IdempotencyToken = token,
            Tags = AcmTags(spec.Tags),
        }, context.CancellationToken).ConfigureAwait(false);
        return response.CertificateArn!;
    }

    // ACM lists the validation records a few seconds after the request; they go in the zone, and ACM checks them
    // until the certificate is ISSUED (usually a few minutes once the zone is the domain's delegated one).
    private static async Task ValidateAsync(CertificateSpec spec, string arn, ApplyContext context)
    {
        var (session, ct) = (context.Session, context.CancellationToken);
        var detail = await CertificateValidation.RecordsAsync(session, arn, RecordsTimeout, spec.PollInterval, ct).ConfigureAwait(false);
        if (detail.Status != Issued)
        {
            var records = CertificateValidation.Records(detail);
            await Route53Records.UpsertAsync(session, spec.ZoneId!, records, "ACM validation of " + spec.Name, ct).ConfigureAwait(false);
            context.Info($"  wrote {records.Count} validation record(s) in {spec.ZoneName}; waiting until ACM has validated {spec.Name} (at most {spec.Timeout.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} min)");
        }

        await CertificateValidation.WaitIssuedAsync(session, arn, spec, context.Info, ct).ConfigureAwait(false);
        context.Info($"  certificate {spec.Name} is ISSUED");
    }

    private static async Task DeleteWithRecordsAsync(AwsSession session, string arn, CancellationToken ct)
    {
        Acm.CertificateDetail? detail = null;
        try
        {
            detail = (await session.Acm.DescribeCertificateAsync(new Acm.DescribeCertificateRequest { CertificateArn = arn }, ct).ConfigureAwait(false)).Certificate;
        }
        catch (AwsApiException e) when (e.ErrorCode == "ResourceNotFoundException")
        {
            return;
        }

        await Converge.TolerateAsync(() => session.Acm.DeleteCertificateAsync(new Acm.DeleteCertificateRequest { CertificateArn = arn }, ct), "ResourceNotFoundException")
            .ConfigureAwait(false);
        if (detail is not null)
        {
            await CertificateValidation.DeleteRecordsAsync(session, detail, ct).ConfigureAwait(false);
        }
    }

    private static List<Acm.Tag> AcmTags(IReadOnlyDictionary<string, string> tags) => Engine.Tags.ToList(tags, (k, v) => new Acm.Tag { Key = k, Value = v });
}

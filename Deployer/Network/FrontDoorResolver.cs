using Aspire.Deployer.Aws;
using Aspire.Deployer.Model;
using Acm = Aspire.Deployer.Aws.CertificateManager;
using R53 = Aspire.Deployer.Aws.Route53;

namespace Aspire.Deployer.Network;

/// <summary>
/// Checks the front door against the account before anything is made, with read-only calls only: the given
/// certificate's region (before any call), the Route 53 public hosted zone that holds the domain (or
/// <c>Aws:HostedZoneId</c>), every host inside that zone, and a given certificate that is ISSUED and covers every
/// host. Every problem is reported at once, with its fix.
/// </summary>
public static class FrontDoorResolver
{
    /// <summary>The deployment with its front door's zone found; unchanged without a front door.</summary>
    /// <param name="session">The AWS session (Route 53 and ACM are read).</param>
    /// <param name="deployment">The validated deployment.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <exception cref="DeploymentValidationException">The zone, a host or the certificate does not fit; nothing was changed.</exception>
    public static async Task<DeploymentDescription> ResolveAsync(AwsSession session, DeploymentDescription deployment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(deployment);
        if (deployment.FrontDoor is not { } door)
        {
            return deployment;
        }

        var region = session.Region.SystemName;
        if (door.CertificateArn is { } arn && Arn.Region(arn) is { } certificateRegion && certificateRegion != region)
        {
            throw new DeploymentValidationException([
                $"Aws:CertificateArn is a certificate of {certificateRegion}, but the load balancer is in {region}: a load balancer can only use " +
                $"an ACM certificate of its own region. Request or import one in {region}, or leave Aws:CertificateArn unset to have one requested."]);
        }

        var problems = new List<string>();
        var zone = door.HostedZoneId is { } id
            ? await ZoneByIdAsync(session, id, door.Domain, problems, cancellationToken).ConfigureAwait(false)
            : await ZoneForAsync(session, door.Domain, problems, cancellationToken).ConfigureAwait(false);
        var hosts = door.Hosts(deployment.Services);
        if (zone is not null)
        {
            problems.AddRange(hosts.Where(h => !zone.Holds(h)).Select(h =>
                $"Host '{h}' is outside the hosted zone {zone.Name} ({zone.Id}) of Aws:Domain: its DNS record and certificate validation go in that zone, " +
                $"so use a name ending in .{zone.Name} (or {zone.Name} itself)."));
        }

        if (door.CertificateArn is { } given)
        {
            await CheckCertificateAsync(session, given, hosts, problems, cancellationToken).ConfigureAwait(false);
        }

        return problems.Count > 0 ? throw new DeploymentValidationException(problems) : deployment with { FrontDoor = door with { Zone = zone } };
    }

    /// <summary>True when a certificate's names cover <paramref name="host"/>: the same name, or a wildcard one label above it.</summary>
    /// <param name="names">The certificate's domain name and alternative names.</param>
    /// <param name="host">The host.</param>
    public static bool Covers(IEnumerable<string> names, string host)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(host);
        var parent = host.IndexOf('.', StringComparison.Ordinal) is var dot and > 0 ? host[(dot + 1)..] : null;
        return names.Select(n => n.TrimEnd('.')).Any(n => n.Equals(host, StringComparison.OrdinalIgnoreCase)
            || (parent is not null && n.Equals("*." + parent, StringComparison.OrdinalIgnoreCase)));
    }

    // ListHostedZonesByName starts at the name it is given, so a name never finds its parent's zone: each candidate,
    // most specific first, is asked for its own zone, and the first public one wins (as DNS delegation does).
    private static async Task<HostedZoneRef?> ZoneForAsync(AwsSession session, string domain, List<string> problems, CancellationToken ct)
    {
        var candidates = FrontDoor.ZoneCandidates(domain);
        var privateOnly = new List<string>();
        foreach (var candidate in candidates)
        {
            var found = await session.Route53.ListHostedZonesByNameAsync(new R53.ListHostedZonesByNameRequest { DNSName = candidate, MaxItems = "100" }, ct).ConfigureAwait(false);
            var named = (found.HostedZones ?? []).Where(z => z.Name.TrimEnd('.').Equals(candidate, StringComparison.OrdinalIgnoreCase)).ToList();
            var open = named.Where(z => z.Config?.PrivateZone != true).ToList();
            if (open.Count > 1)
            {
                problems.Add($"There are {open.Count} public hosted zones named {candidate} ({string.Join(", ", open.Select(z => Bare(z.Id)))}); " +
                             "set Aws:HostedZoneId to the one the domain's registrar delegates to.");
                return null;
            }

            if (open.Count == 1)
            {
                return new HostedZoneRef(Bare(open[0].Id), candidate);
            }

            privateOnly.AddRange(named.Select(z => $"{candidate} ({Bare(z.Id)})"));
        }

        var why = privateOnly.Count > 0 ? $" Only private zones were found ({string.Join(", ", privateOnly)}), and ACM validates certificates over public DNS." : "";
        problems.Add($"No public Route 53 hosted zone of this account holds Aws:Domain '{domain}' (looked for {string.Join(", ", candidates)}).{why} " +
                     $"Create one for your domain (aws route53 create-hosted-zone --name {candidates[^1]} --caller-reference $(date +%s)) and point the " +
                     "domain's registrar at its name servers, or set Aws:HostedZoneId.");
        return null;
    }

    private static async Task<HostedZoneRef?> ZoneByIdAsync(AwsSession session, string id, string domain, List<string> problems, CancellationToken ct)
    {
        R53.HostedZone zone;
        try
        {
            zone = (await session.Route53.GetHostedZoneAsync(new R53.GetHostedZoneRequest { Id = id }, ct).ConfigureAwait(false)).HostedZone;
        }
        catch (AwsApiException e) when (e.ErrorCode is "NoSuchHostedZone" or "InvalidInput")
        {
            problems.Add($"Aws:HostedZoneId {id} is no hosted zone of this account ({e.ErrorCode}); `aws route53 list-hosted-zones` lists them.");
            return null;
        }

        var name = zone.Name.TrimEnd('.').ToLowerInvariant();
        if (zone.Config?.PrivateZone == true)
        {
            problems.Add($"Aws:HostedZoneId {id} ({name}) is a private zone; ACM validates certificates over public DNS, so use the domain's public zone.");
        }

        if (!FrontDoor.IsWithin(domain, name))
        {
            problems.Add($"Aws:Domain '{domain}' is not in Aws:HostedZoneId {id}, which is {name}: use a domain ending in .{name}, or the zone that holds the domain.");
        }

        return new HostedZoneRef(Bare(zone.Id), name);
    }

    private static async Task CheckCertificateAsync(AwsSession session, string arn, IReadOnlyList<string> hosts, List<string> problems, CancellationToken ct)
    {
        Acm.CertificateDetail certificate;
        try
        {
            certificate = (await session.Acm.DescribeCertificateAsync(new Acm.DescribeCertificateRequest { CertificateArn = arn }, ct).ConfigureAwait(false)).Certificate!;
        }
        catch (AwsApiException e) when (e.ErrorCode is "ResourceNotFoundException" or "InvalidArnException")
        {
            problems.Add($"Aws:CertificateArn {arn} is no certificate of this account and region ({e.ErrorCode}); `aws acm list-certificates` lists them.");
            return;
        }

        if (certificate.Status != Acm.CertificateStatus.Issued)
        {
            problems.Add($"Aws:CertificateArn {arn} is {certificate.Status}, not ISSUED: a load balancer can only serve an issued certificate. " +
                         "Finish its validation (or leave Aws:CertificateArn unset to have one requested and validated for you).");
        }

        var names = (certificate.SubjectAlternativeNames ?? []).Append(certificate.DomainName ?? "").ToList();
        problems.AddRange(hosts.Where(h => !Covers(names, h)).Select(h =>
            $"Aws:CertificateArn {arn} does not cover {h} (it covers {string.Join(", ", names.Where(n => n.Length > 0).Distinct())}): use one that " +
            "covers every Host, or leave Aws:CertificateArn unset to have one requested."));
    }

    private static string Bare(string id) => id[(id.LastIndexOf('/') + 1)..];
}

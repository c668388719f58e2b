using System.Globalization;
using System.Text.RegularExpressions;

namespace Aspire.Deployer.Model;

/// <summary>A Route 53 public hosted zone, as found for the domain.</summary>
/// <param name="Id">Its id without the <c>/hostedzone/</c> prefix, e.g. <c>Z0123456789ABCDEFGHIJ</c>.</param>
/// <param name="Name">Its name without the trailing dot, e.g. <c>example.com</c>.</param>
public sealed record HostedZoneRef(string Id, string Name)
{
    /// <summary>True when <paramref name="host"/> is the zone's name or a name below it.</summary>
    /// <param name="host">A host name (lowercase, no trailing dot).</param>
    public bool Holds(string host) => FrontDoor.IsWithin(host, Name);
}

/// <summary>What destroy and status know of a front door: its domain, the zone it was given, and its host names.</summary>
/// <param name="Domain">The domain.</param>
/// <param name="HostedZoneId">The zone given by <c>Aws:HostedZoneId</c>; null: the public zone that holds the domain.</param>
/// <param name="Hosts">The host names it serves (the domain's alone when the model could not be read).</param>
public sealed record FrontDoorScope(string Domain, string? HostedZoneId, IReadOnlyList<string> Hosts);

/// <summary>Where the front door sends a request to one service: its host and, optionally, a path prefix.</summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="Host">The host name (lowercase, no trailing dot).</param>
/// <param name="PathPrefix">The path prefix (<c>/api</c>), or null for every path of the host.</param>
public sealed record FrontDoorRoute(string Resource, string Host, string? PathPrefix)
{
    /// <summary>How many segments the prefix has (0 without one): a deeper prefix is matched first.</summary>
    public int Depth => PathPrefix is null ? 0 : PathPrefix.Count(c => c == '/');

    /// <summary>The service's URL, e.g. <c>https://app.example.com/api</c>.</summary>
    public string Url => $"https://{Host}{PathPrefix}";

    /// <inheritdoc />
    public override string ToString() => Host + (PathPrefix ?? "");
}

/// <summary>
/// The production front door of a deployment (<c>Aws:Domain</c>): one HTTPS listener on 443 with a certificate for
/// every host (requested from ACM and validated in the Route 53 zone, or the given <paramref name="CertificateArn"/>),
/// HTTP on 80 redirecting to it, alias records for every host, and one listener rule per service by host and path.
/// Without it each service keeps its own listener port.
/// </summary>
/// <param name="Domain">The domain (lowercase, no trailing dot), e.g. <c>app.example.com</c>; the default host.</param>
/// <param name="HostedZoneId">The zone to use (<c>Aws:HostedZoneId</c>); null: the public zone that holds the domain.</param>
/// <param name="CertificateArn">An existing ACM certificate to use (<c>Aws:CertificateArn</c>); null: one is requested.</param>
/// <param name="SslPolicy">The HTTPS listener's TLS policy.</param>
/// <param name="CertificateTimeout">How long the deploy waits for a requested certificate to be ISSUED.</param>
/// <param name="PollInterval">Time between checks while it waits (for the certificate, for DNS changes).</param>
public sealed partial record FrontDoor(string Domain, string? HostedZoneId, string? CertificateArn, string SslPolicy, TimeSpan CertificateTimeout, TimeSpan PollInterval)
{
    /// <summary>The TLS policy used when none is set: TLS 1.3 and 1.2 only, forward-secret AEAD ciphers, hybrid post-quantum key exchange.</summary>
    public const string DefaultSslPolicy = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09";

    /// <summary>The HTTPS port.</summary>
    public const int HttpsPort = 443;

    /// <summary>The HTTP port, which redirects to HTTPS.</summary>
    public const int HttpPort = 80;

    /// <summary>The hosted zone found for the domain (set while planning, by <c>Network.FrontDoorResolver</c>); null before.</summary>
    public HostedZoneRef? Zone { get; init; }

    /// <summary>The route of a service: its <c>Host</c> (default: the domain) and <c>PathPrefix</c>.</summary>
    /// <param name="service">The service.</param>
    public FrontDoorRoute RouteOf(ServiceDescription service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return new FrontDoorRoute(service.Names.Resource, NormalizeHost(service.Options.Host) ?? Domain, NormalizePath(service.Options.PathPrefix));
    }

    /// <summary>Every host name the front door serves (the certificate covers each), the domain first.</summary>
    /// <param name="services">The services it routes to.</param>
    public IReadOnlyList<string> Hosts(IEnumerable<ServiceDescription> services) =>
        [.. new[] { Domain }.Concat(services.Select(s => RouteOf(s).Host).Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal)];

    /// <summary>A host name as compared and sent: trimmed, lowercase, without a trailing dot; null for none.</summary>
    /// <param name="host">As configured.</param>
    public static string? NormalizeHost(string? host) =>
        string.IsNullOrWhiteSpace(host) ? null : host.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>A path prefix as compared and sent: trimmed, without a trailing slash; null for none (or <c>/</c>).</summary>
    /// <param name="path">As configured.</param>
    public static string? NormalizePath(string? path) =>
        string.IsNullOrWhiteSpace(path) || path.Trim() == "/" ? null : path.Trim().TrimEnd('/');

    /// <summary>The names from <paramref name="domain"/> up to its last two labels, most specific first: the zones that could hold it.</summary>
    /// <param name="domain">E.g. <c>app.example.com</c> (gives app.example.com, example.com).</param>
    public static IReadOnlyList<string> ZoneCandidates(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var labels = domain.Split('.');
        return [.. Enumerable.Range(0, Math.Max(1, labels.Length - 1)).Select(i => string.Join('.', labels[i..]))];
    }

    /// <summary>True when <paramref name="host"/> is <paramref name="zone"/> or a name below it.</summary>
    /// <param name="host">A host name.</param>
    /// <param name="zone">A zone name.</param>
    public static bool IsWithin(string host, string zone)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(zone);
        return host.Equals(zone, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + zone, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Every problem of the front door settings that needs no AWS call; empty when there is none.</summary>
    /// <param name="deployment">The deployment (its services' Host, PathPrefix and CertificateArn are checked too).</param>
    public static IReadOnlyList<string> Problems(DeploymentDescription deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var problems = new List<string>();
        if (deployment.FrontDoor is not { } door)
        {
            problems.AddRange(deployment.Services
                .Where(s => s.Options.Host is not null || s.Options.PathPrefix is not null)
                .Select(s => $"{s.Names.Resource}: Host and PathPrefix route requests on the HTTPS front door, which needs Aws:Domain (for example " +
                             "--Aws:Domain=app.example.com). Without it every service has its own listener port; remove them or set Aws:Domain."));
            return problems;
        }

        problems.AddRange(NameProblems("Aws:Domain", door.Domain));
        if (door.HostedZoneId is { } zone && !ZoneId().IsMatch(zone))
        {
            problems.Add($"Aws:HostedZoneId '{zone}' is not a Route 53 hosted zone id (capital letters and digits, such as Z0123456789ABCDEFGHIJ, as `aws route53 list-hosted-zones` shows it).");
        }

        if (door.CertificateArn is { } arn && !CertificateArnPattern().IsMatch(arn))
        {
            problems.Add($"Aws:CertificateArn '{arn}' is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>).");
        }

        foreach (var service in deployment.Services)
        {
            problems.AddRange(ServiceProblems(door, service).Select(p => $"{service.Names.Resource}: {p}"));
        }

        // Only services with an external endpoint are behind the front door; internal ones are reached by their callers.
        foreach (var clash in deployment.Services.Where(s => s.IsLoadBalanced).Select(door.RouteOf).GroupBy(r => r.ToString(), StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{string.Join(" and ", clash.Select(r => r.Resource))} both claim {clash.Key} on the front door; give each its own " +
                         "Host or PathPrefix (Aws:Services:<name>:Host / :PathPrefix, or PublishAsEcsService(o => o.PathPrefix = \"/api\")).");
        }

        return problems;
    }

    private static IEnumerable<string> ServiceProblems(FrontDoor door, ServiceDescription service)
    {
        if (service.Options.CertificateArn is not null)
        {
            yield return "CertificateArn sets HTTPS on the service's own listener port; with Aws:Domain every service is served on the one HTTPS listener " +
                         "on 443, whose certificate is requested for you or given as Aws:CertificateArn. Remove Aws:Services:<name>:CertificateArn.";
        }

        if (service.Options.Host is { } host)
        {
            foreach (var problem in NameProblems("Host", NormalizeHost(host) ?? host))
            {
                yield return problem;
            }
        }

        if (service.Options.PathPrefix is { } path && PathProblem(path) is { } bad)
        {
            yield return bad;
        }
    }

    private static IEnumerable<string> NameProblems(string setting, string name)
    {
        var labels = name.Split('.');
        if (name.Contains('*', StringComparison.Ordinal))
        {
            yield return $"{setting} '{name}' is a wildcard; name each host (app.example.com, api.example.com): the certificate and the DNS records are made per name.";
        }
        else if (name.Length > 253 || labels.Length < 2 || !labels.All(l => Label().IsMatch(l)))
        {
            yield return $"{setting} '{name}' is not a DNS name: use labels of letters, digits and hyphens (at most 63 each) separated by dots, " +
                         "with at least one dot, e.g. app.example.com.";
        }
    }

    private static string? PathProblem(string path)
    {
        var normalized = NormalizePath(path);
        if (normalized is null)
        {
            return null;
        }

        if (!normalized.StartsWith('/') || normalized.Contains("//", StringComparison.Ordinal) || !PathPattern().IsMatch(normalized))
        {
            return $"PathPrefix '{path}' is not a path: start it with '/', use letters, digits and - _ . ~ between single slashes, " +
                   "no wildcards, query or fragment, e.g. /api or /api/v2.";
        }

        return normalized.Length + 2 > 128 || normalized.Count(c => c == '/') > MaxDepth
            ? string.Create(CultureInfo.InvariantCulture, $"PathPrefix '{path}' is too long: at most 126 characters and {MaxDepth} segments.")
            : null;
    }

    /// <summary>The deepest path prefix, in segments (the listener rules' priority bands allow this many).</summary>
    public const int MaxDepth = 9;

    [GeneratedRegex("^(?!-)[a-z0-9-]{1,63}(?<!-)$")]
    private static partial Regex Label();

    [GeneratedRegex("^(/[A-Za-z0-9._~-]+)+$")]
    private static partial Regex PathPattern();

    [GeneratedRegex("^[A-Z0-9]{1,32}$")]
    private static partial Regex ZoneId();

    [GeneratedRegex(@"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")]
    private static partial Regex CertificateArnPattern();
}

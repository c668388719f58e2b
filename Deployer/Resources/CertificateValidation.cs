using System.Diagnostics;
using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Acm = Aspire.Deployer.Aws.CertificateManager;
using R53 = Aspire.Deployer.Aws.Route53;

namespace Aspire.Deployer.Resources;

/// <summary>
/// DNS validation of an ACM certificate: waiting until ACM lists the CNAME records it wants, the records themselves,
/// waiting until it is ISSUED (saying so every minute, failing with ACM's reason or after the bound, with what to
/// check), and removing the records once no certificate of the region needs them.
/// </summary>
internal static class CertificateValidation
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMinutes(1);

    private static readonly string[] Failed =
        [Acm.CertificateStatus.Failed, Acm.CertificateStatus.ValidationTimedOut, Acm.CertificateStatus.Revoked, Acm.CertificateStatus.Expired, Acm.CertificateStatus.Inactive];

    /// <summary>The certificate once ACM lists a validation record for every name (or it is ISSUED already).</summary>
    public static async Task<Acm.CertificateDetail> RecordsAsync(AwsSession session, string arn, TimeSpan timeout, TimeSpan poll, CancellationToken ct)
    {
        Acm.CertificateDetail? detail = null;
        await Converge.WaitUntilAsync(async () =>
        {
            try
            {
                detail = (await session.Acm.DescribeCertificateAsync(new Acm.DescribeCertificateRequest { CertificateArn = arn }, ct).ConfigureAwait(false)).Certificate;
            }
            catch (AwsApiException e) when (e.ErrorCode == "ResourceNotFoundException")
            {
                return false; // "a delay of several seconds before you can retrieve information about the new certificate"
            }

            return detail?.Status == Acm.CertificateStatus.Issued
                || (detail?.DomainValidationOptions is { Count: > 0 } options && options.All(o => o.ResourceRecord is not null));
        }, timeout, poll, () => new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"ACM did not list the DNS validation records of certificate {arn} within {timeout.TotalMinutes:0.#} min. Deploy again: the certificate is found by its tags and its validation continues.")),
            ct).ConfigureAwait(false);
        return detail!;
    }

    /// <summary>The CNAME records ACM asks for, one per distinct name (names that share a base domain share one).</summary>
    public static List<R53.ResourceRecordSet> Records(Acm.CertificateDetail detail) =>
        [.. (detail.DomainValidationOptions ?? []).Select(o => o.ResourceRecord).OfType<Acm.ResourceRecord>()
            .DistinctBy(r => Route53Records.Fqdn(r.Name))
            .Select(r => new R53.ResourceRecordSet { Name = r.Name, Type = R53.RRType.Cname, TTL = 300, ResourceRecords = [new R53.ResourceRecord { Value = r.Value }] })];

    /// <summary>Waits until the certificate is ISSUED; fails at once when ACM gives up on it, and after the spec's bound.</summary>
    public static async Task WaitIssuedAsync(AwsSession session, string arn, CertificateSpec spec, Action<string> progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var next = ProgressEvery;
        string? status = null;
        await Converge.WaitUntilAsync(async () =>
        {
            var detail = (await session.Acm.DescribeCertificateAsync(new Acm.DescribeCertificateRequest { CertificateArn = arn }, ct).ConfigureAwait(false)).Certificate!;
            status = detail.Status;
            if (Failed.Contains(status))
            {
                throw new InvalidOperationException($"ACM could not validate the certificate for {spec.Name} ({arn}): it is {status}" +
                    (detail.FailureReason is { } reason ? $" ({reason})" : "") + ". Check that every name is one you own in zone " +
                    $"{spec.ZoneName} and that no CAA record of the domain forbids Amazon (amazon.com); the next deploy requests a new certificate.");
            }

            if (clock.Elapsed >= next && status != Acm.CertificateStatus.Issued)
            {
                next += ProgressEvery;
                progress(string.Create(CultureInfo.InvariantCulture, $"  certificate {spec.Name}: still {status} after {clock.Elapsed.TotalMinutes:0} min"));
            }

            return status == Acm.CertificateStatus.Issued;
        }, spec.Timeout, spec.PollInterval, () => new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"The certificate for {spec.Name} ({arn}) was still {status} after {spec.Timeout.TotalMinutes:0.#} min (Aws:CertificateTimeoutMinutes). ACM validates it once the public DNS answers its CNAME records, which needs the hosted zone {spec.ZoneName} ({spec.ZoneId}) to be the one the domain's registrar delegates to: compare `dig NS {spec.ZoneName}` with the zone's name servers. Then deploy again: the validation continues.")),
            ct).ConfigureAwait(false);
    }

    /// <summary>Removes a deleted certificate's validation records, unless another certificate of the region covers the same name (ACM uses one record per name and account).</summary>
    public static async Task DeleteRecordsAsync(AwsSession session, Acm.CertificateDetail detail, CancellationToken ct)
    {
        var others = await session.Acm.ListCertificatesItemsAsync(new Acm.ListCertificatesRequest(), ct).ToListAsync(ct).ConfigureAwait(false);
        bool StillNeeded(string name) => others.Any(c => c.CertificateArn != detail.CertificateArn
            && (Route53Records.SameName(c.DomainName, name) || (c.SubjectAlternativeNameSummaries ?? []).Any(n => Route53Records.SameName(n, name))));
        foreach (var option in (detail.DomainValidationOptions ?? []).Where(o => o.ResourceRecord is not null).DistinctBy(o => Route53Records.Fqdn(o.ResourceRecord!.Name)))
        {
            if (StillNeeded(option.DomainName) || await Route53Records.ZoneOfAsync(session, option.DomainName, ct).ConfigureAwait(false) is not { } zone)
            {
                continue;
            }

            var record = option.ResourceRecord!;
            await Route53Records.DeleteAsync(session, zone.Id, record.Name, R53.RRType.Cname,
                keep: r => !(r.ResourceRecords ?? []).Any(v => Route53Records.SameName(v.Value, record.Value)), ct).ConfigureAwait(false);
        }
    }
}

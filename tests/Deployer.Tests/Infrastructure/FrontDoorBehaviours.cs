using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Resources;
using Acm = Aspire.Deployer.Aws.CertificateManager;

namespace Aspire.Deployer.Tests.Infrastructure;

/// <summary>
/// ACM's DNS validation, where moto has none: a requested certificate stays PENDING_VALIDATION until every CNAME
/// record its DomainValidationOptions name is in a Route 53 zone (moto turns it ISSUED after
/// MOTO_ACM_VALIDATION_WAIT seconds, checking no DNS at all — moto/acm/models.py <c>check()</c>), and an HTTPS
/// listener (CreateListener, ModifyListener) with a certificate that is not ISSUED is refused with ELBv2's
/// <c>UnsupportedCertificate</c>, as AWS does (DataBiosphere/azul#8321: "UnsupportedCertificate is what ELB returns for a
/// certificate that is not yet ISSUED"; aws/aws-cdk#6081 shows the same for a pending certificate). So a deploy that
/// wrote no validation records, or made the listener before the certificate was issued, fails here as on AWS.
/// </summary>
/// <param name="moto">A session straight on moto, to look at its records and certificates.</param>
public sealed class AcmDnsValidation(AwsSession moto) : IAwsBehaviour
{
    /// <summary>How many listener calls were refused for a certificate that was not ISSUED yet.</summary>
    public int RefusedListeners { get; private set; }

    /// <inheritdoc />
    public AwsAnswer? Before(ProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.IsJson || request.Operation is not ("CreateListener" or "ModifyListener") || request.Form["Certificates.member.1.CertificateArn"] is not { } arn)
        {
            return null;
        }

        var detail = Run(moto.Acm.DescribeCertificateAsync(new Acm.DescribeCertificateRequest { CertificateArn = arn })).Certificate!;
        if (EffectiveStatus(detail) == Acm.CertificateStatus.Issued)
        {
            return null;
        }

        RefusedListeners++;
        return AwsAnswer.QueryError("UnsupportedCertificate", $"The certificate '{arn}' must have a fully-qualified domain name, a supported signature, and a supported key size.");
    }

    /// <inheritdoc />
    public AwsAnswer? After(ProxyRequest request, int status, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.IsJson || request.Operation != "DescribeCertificate" || status != 200)
        {
            return null;
        }

        var json = JsonNode.Parse(body)!;
        var certificate = json["Certificate"]!;
        var detail = AwsJsonProtocol.ReadResponse<Acm.DescribeCertificateResponse>(body).Certificate!;
        if (EffectiveStatus(detail) == detail.Status)
        {
            return null;
        }

        certificate["Status"] = Acm.CertificateStatus.PendingValidation;
        foreach (var option in certificate["DomainValidationOptions"]?.AsArray() ?? [])
        {
            option!["ValidationStatus"] = Acm.CertificateStatus.PendingValidation;
        }

        return new AwsAnswer(200, "application/x-amz-json-1.1", json.ToJsonString());
    }

    private string? EffectiveStatus(Acm.CertificateDetail detail)
    {
        if (detail.Status != Acm.CertificateStatus.Issued || detail.Type != "AMAZON_ISSUED")
        {
            return detail.Status;
        }

        var wanted = (detail.DomainValidationOptions ?? []).Select(o => o.ResourceRecord).OfType<Acm.ResourceRecord>().ToList();
        var zones = Run(moto.Route53.ListHostedZonesByNameAsync(new() { MaxItems = "100" })).HostedZones ?? [];
        var records = zones.Where(z => wanted.Any(w => Route53Records.SameName(w.Name, z.Name) || w.Name.TrimEnd('.').EndsWith("." + z.Name.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)))
            .SelectMany(z => Run(Route53Records.ListAsync(moto, z.Id, CancellationToken.None)))
            .ToList();
        var present = wanted.All(w => records.Any(r => r.Type == "CNAME" && Route53Records.SameName(r.Name, w.Name)
            && (r.ResourceRecords ?? []).Any(v => Route53Records.SameName(v.Value, w.Value))));
        return present ? Acm.CertificateStatus.Issued : Acm.CertificateStatus.PendingValidation;
    }

    // The proxy's behaviours answer synchronously; the look-ups go straight to moto on loopback.
    private static T Run<T>(Task<T> task) => task.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
}

/// <summary>
/// ACM keeps counting a certificate as in use for a while after the listener that used it is gone: the first
/// DeleteCertificate of each certificate is refused with <c>ResourceInUseException: Certificate ... is in use.</c>
/// (aws/aws-cdk#4179: "it can take around 10s for ACM to acknowledge that the certificate is no longer in use";
/// hashicorp/terraform-provider-aws#3866, fixed by retrying the deletion in #3868). moto deletes at once.
/// </summary>
public sealed class AcmInUseAfterListenerDeletion : IAwsBehaviour
{
    private readonly ConcurrentDictionary<string, int> _refused = new(StringComparer.Ordinal);

    /// <summary>How many deletions were refused.</summary>
    public int Refused => _refused.Count;

    /// <inheritdoc />
    public AwsAnswer? Before(ProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.IsJson && request.Operation == "DeleteCertificate" && request.JsonString("CertificateArn") is { } arn && _refused.TryAdd(arn, 1)
            ? AwsAnswer.JsonError("ResourceInUseException", $"Certificate {arn} in account 123456789012 is in use.")
            : null;
    }
}

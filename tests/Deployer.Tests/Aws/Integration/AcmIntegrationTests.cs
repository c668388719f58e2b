using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.CertificateManager;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Integration;

/// <summary>The ACM client against moto: a DNS-validated certificate requested (idempotently), described, listed, tagged, deleted.</summary>
public sealed class AcmIntegrationTests
{
    [Fact]
    public async Task AcmOperations_RoundTripAgainstMoto()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var acm = session.Acm;
        var domain = "app." + TestZones.UniqueZoneName();
        var token = Guid.NewGuid().ToString("N");
        var request = new RequestCertificateRequest
        {
            DomainName = domain,
            SubjectAlternativeNames = [domain, "api." + domain],
            ValidationMethod = ValidationMethod.Dns,
            IdempotencyToken = token,
            Tags = [new Tag { Key = "aspire:app", Value = "shop" }],
        };

        var arn = (await acm.RequestCertificateAsync(request)).CertificateArn!;
        // The same idempotency token within the hour gives the same certificate, so a retried request makes no second one.
        Assert.Equal(arn, (await acm.RequestCertificateAsync(request)).CertificateArn);

        var detail = (await acm.DescribeCertificateAsync(new DescribeCertificateRequest { CertificateArn = arn })).Certificate!;
        Assert.Equal(domain, detail.DomainName);
        // moto turns it ISSUED after MOTO_ACM_VALIDATION_WAIT seconds, checking no DNS record (AcmChecksValidationRecords does).
        Assert.Contains(detail.Status, new[] { CertificateStatus.PendingValidation, CertificateStatus.Issued });
        Assert.Equal(new[] { "api." + domain, domain }, detail.SubjectAlternativeNames!.Order(StringComparer.Ordinal));
        Assert.All(detail.DomainValidationOptions!, o => Assert.Equal(("CNAME", ValidationMethod.Dns), (o.ResourceRecord!.Type, o.ValidationMethod)));

        var listed = await acm.ListCertificatesItemsAsync(new ListCertificatesRequest { CertificateStatuses = [CertificateStatus.PendingValidation, CertificateStatus.Issued] }).ToListAsync();
        Assert.Contains(listed, c => c.CertificateArn == arn && c.DomainName == domain);

        await acm.AddTagsToCertificateAsync(new AddTagsToCertificateRequest { CertificateArn = arn, Tags = [new Tag { Key = "aspire:environment", Value = "test" }] });
        var tags = (await acm.ListTagsForCertificateAsync(new ListTagsForCertificateRequest { CertificateArn = arn })).Tags!;
        Assert.Contains(tags, t => t.Key == "aspire:app" && t.Value == "shop");
        Assert.Contains(tags, t => t.Key == "aspire:environment" && t.Value == "test");

        await Task.Delay(TimeSpan.FromSeconds(MotoServer.AcmValidationWaitSeconds + 0.5));
        Assert.Equal(CertificateStatus.Issued, (await acm.DescribeCertificateAsync(new DescribeCertificateRequest { CertificateArn = arn })).Certificate!.Status);

        await acm.DeleteCertificateAsync(new DeleteCertificateRequest { CertificateArn = arn });
        var gone = await Assert.ThrowsAsync<AwsApiException>(() => acm.DescribeCertificateAsync(new DescribeCertificateRequest { CertificateArn = arn }));
        Assert.Equal(("ACM", "DescribeCertificate", "ResourceNotFoundException"), (gone.Service, gone.Operation, gone.ErrorCode));
    }
}

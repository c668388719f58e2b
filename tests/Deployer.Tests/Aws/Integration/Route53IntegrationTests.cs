using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.Route53;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Integration;

/// <summary>The rest-xml client against moto: zones found by name, record sets written (UPSERT), listed, paged and deleted.</summary>
public sealed class Route53IntegrationTests
{
    [Fact]
    public async Task Route53Operations_RoundTripAgainstMoto()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var r53 = session.Route53;
        var zoneName = TestZones.UniqueZoneName();
        var zoneId = await TestZones.CreateAsync(session, zoneName);

        var byName = await r53.ListHostedZonesByNameAsync(new ListHostedZonesByNameRequest { DNSName = zoneName, MaxItems = "10" });
        var zone = Assert.Single(byName.HostedZones!, z => z.Name == zoneName + ".");
        Assert.Equal(zoneId, zone.Id);
        Assert.False(zone.Config!.PrivateZone);
        // A name below the zone does not find the zone: the caller walks up the labels.
        var below = await r53.ListHostedZonesByNameAsync(new ListHostedZonesByNameRequest { DNSName = "app." + zoneName, MaxItems = "1" });
        Assert.DoesNotContain(below.HostedZones ?? [], z => z.Name == zoneName + ".");

        // The id comes back as /hostedzone/Z...; it is used as it is (the prefix is dropped on the wire, as botocore does).
        var fetched = await r53.GetHostedZoneAsync(new GetHostedZoneRequest { Id = zoneId });
        Assert.Equal(zoneName + ".", fetched.HostedZone.Name);
        Assert.NotEmpty(fetched.DelegationSet!.NameServers);

        var change = await r53.ChangeResourceRecordSetsAsync(new ChangeResourceRecordSetsRequest
        {
            HostedZoneId = zoneId,
            ChangeBatch = new ChangeBatch
            {
                Comment = "round trip",
                Changes =
                [
                    Upsert(new ResourceRecordSet
                    {
                        Name = "app." + zoneName,
                        Type = RRType.A,
                        AliasTarget = new AliasTarget { HostedZoneId = "Z35SXDOTRQ7X7K", DNSName = "shop-1.us-east-1.elb.amazonaws.com", EvaluateTargetHealth = true },
                    }),
                    Upsert(new ResourceRecordSet
                    {
                        Name = "_x1." + zoneName,
                        Type = RRType.Cname,
                        TTL = 300,
                        ResourceRecords = [new ResourceRecord { Value = "_y1.acm-validations.aws." }],
                    }),
                ],
            },
        });
        Assert.StartsWith("/change/", change.ChangeInfo.Id, StringComparison.Ordinal);
        var status = await r53.GetChangeAsync(new GetChangeRequest { Id = change.ChangeInfo.Id });
        Assert.Equal(ChangeStatus.Insync, status.ChangeInfo.Status);

        var records = await r53.ListResourceRecordSetsItemsAsync(new ListResourceRecordSetsRequest { HostedZoneId = zoneId }).ToListAsync();
        var alias = Assert.Single(records, r => r.Name == $"app.{zoneName}." && r.Type == RRType.A);
        Assert.Equal(("Z35SXDOTRQ7X7K", "shop-1.us-east-1.elb.amazonaws.com", true), (alias.AliasTarget!.HostedZoneId, alias.AliasTarget.DNSName, alias.AliasTarget.EvaluateTargetHealth));
        var cname = Assert.Single(records, r => r.Name == $"_x1.{zoneName}." && r.Type == RRType.Cname);
        Assert.Equal(300L, cname.TTL);
        Assert.Equal("_y1.acm-validations.aws.", Assert.Single(cname.ResourceRecords!).Value);

        // One record per page: the three page tokens (name, type, identifier) are followed.
        var pages = await r53.ListResourceRecordSetsPagesAsync(new ListResourceRecordSetsRequest { HostedZoneId = zoneId, MaxItems = "1" }).ToListAsync();
        Assert.Equal(records.Count, pages.Count);
        Assert.Equal(records.Select(r => (r.Name, r.Type)), pages.Select(p => Assert.Single(p.ResourceRecordSets!)).Select(r => (r.Name, r.Type)));

        await r53.ChangeResourceRecordSetsAsync(new ChangeResourceRecordSetsRequest
        {
            HostedZoneId = zoneId,
            ChangeBatch = new ChangeBatch { Changes = [new Change { Action = ChangeAction.Delete, ResourceRecordSet = alias }, new Change { Action = ChangeAction.Delete, ResourceRecordSet = cname }] },
        });
        var left = await r53.ListResourceRecordSetsItemsAsync(new ListResourceRecordSetsRequest { HostedZoneId = zoneId }).ToListAsync();
        Assert.All(left, r => Assert.Contains(r.Type, new[] { RRType.Ns, RRType.Soa }));
    }

    [Fact]
    public async Task GetHostedZone_OfAMissingZone_GivesNoSuchHostedZone()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();

        var error = await Assert.ThrowsAsync<AwsApiException>(() => session.Route53.GetHostedZoneAsync(new GetHostedZoneRequest { Id = "/hostedzone/ZMISSING123" }));

        Assert.Equal(("Route 53", "GetHostedZone", "NoSuchHostedZone", 404), (error.Service, error.Operation, error.ErrorCode, error.HttpStatus));
        Assert.Contains("ZMISSING123", error.AwsMessage, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
    }

    private static Change Upsert(ResourceRecordSet record) => new() { Action = ChangeAction.Upsert, ResourceRecordSet = record };
}

using System.Text.Json.Serialization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.Route53;

namespace Aspire.Deployer.Tests.Infrastructure;

/// <summary>
/// Public hosted zones in the shared moto account, as a user has them before a deploy (the Deployer never makes
/// zones). Each test makes its own uniquely named zone, except <see cref="ExampleComAsync"/>, which is made once: two
/// public zones of one name would make the deploy refuse the domain as ambiguous, as it must.
/// </summary>
public static class TestZones
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _exampleCom;

    /// <summary>A zone name no other test uses, e.g. <c>z1a2b3c4d5.example.net</c>.</summary>
    public static string UniqueZoneName() => $"z{Guid.NewGuid():N}"[..11] + ".example.net";

    /// <summary>Makes a public hosted zone; returns its id (<c>/hostedzone/...</c>).</summary>
    /// <param name="session">A session on moto.</param>
    /// <param name="name">The zone name.</param>
    /// <param name="isPrivate">True for a private zone of the default VPC.</param>
    public static async Task<string> CreateAsync(AwsSession session, string name, bool isPrivate = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        var vpc = isPrivate ? (await session.Ec2.GetDefaultVpcAsync())!.VpcId : null;
        var created = await session.CreateInvoker(AwsService.Route53).SendAsync(new CreateHostedZoneRequest
        {
            Name = name,
            CallerReference = Guid.NewGuid().ToString("N"),
            VPC = vpc is null ? null : new ZoneVpc { VPCRegion = MotoServer.Region, VPCId = vpc },
            HostedZoneConfig = isPrivate ? new ZoneConfig { PrivateZone = true } : null,
        }, CancellationToken.None);
        return created.HostedZone!.Id;
    }

    /// <summary>The one public zone <c>example.com</c> of the shared account (made on first use); its id.</summary>
    /// <param name="session">A session on moto.</param>
    public static async Task<string> ExampleComAsync(AwsSession session)
    {
        await Gate.WaitAsync();
        try
        {
            return _exampleCom ??= await CreateAsync(session, "example.com");
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Every record set of a zone.</summary>
    /// <param name="session">A session on moto.</param>
    /// <param name="zoneId">The zone.</param>
    public static Task<List<ResourceRecordSet>> RecordsAsync(AwsSession session, string zoneId)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Route53.ListResourceRecordSetsItemsAsync(new ListResourceRecordSetsRequest { HostedZoneId = zoneId }).ToListAsync().AsTask();
    }

    /// <summary>Route 53's CreateHostedZone, which only tests need: sent through the Deployer's own rest-xml protocol.</summary>
    [AwsOperation("route53", "CreateHostedZone")]
    [AwsHttp("POST", "/2013-04-01/hostedzone")]
    [AwsXmlRoot("CreateHostedZoneRequest", "https://route53.amazonaws.com/doc/2013-04-01/")]
    internal sealed record CreateHostedZoneRequest : IAwsRequest<CreateHostedZoneResponse>
    {
        [JsonPropertyName("Name")]
        public required string Name { get; init; }

        [JsonPropertyName("VPC")]
        public ZoneVpc? VPC { get; init; }

        [JsonPropertyName("CallerReference")]
        public required string CallerReference { get; init; }

        [JsonPropertyName("HostedZoneConfig")]
        public ZoneConfig? HostedZoneConfig { get; init; }
    }

    internal sealed record ZoneVpc
    {
        [JsonPropertyName("VPCRegion")]
        public string? VPCRegion { get; init; }

        [JsonPropertyName("VPCId")]
        public string? VPCId { get; init; }
    }

    internal sealed record ZoneConfig
    {
        [JsonPropertyName("PrivateZone")]
        public bool? PrivateZone { get; init; }
    }

    internal sealed record CreateHostedZoneResponse
    {
        [JsonPropertyName("HostedZone")]
        public HostedZone? HostedZone { get; init; }
    }
}

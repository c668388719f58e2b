using System.Text.Json;
using Amazon.Runtime;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Integration;

/// <summary>
/// The signatures the transport makes (AWSSDK.Core's SigV4 signer) are recomputed with botocore's own SigV4
/// implementation from the request as it arrived on the wire; they must be identical. moto checks no signatures,
/// so this is what proves signing.
/// </summary>
public sealed class SigV4SignatureTests
{
    private const string Verifier = """
        import sys, json, base64
        from botocore.awsrequest import AWSRequest
        from botocore.auth import SigV4Auth
        from botocore.credentials import Credentials
        cases = json.load(open(sys.argv[1]))
        for d in cases:
            h = {k.lower(): v for k, v in d['headers'].items()}
            auth = h['authorization']
            signed = auth.split('SignedHeaders=')[1].split(',')[0].split(';')
            scope = auth.split('Credential=')[1].split(',')[0].split('/')
            req = AWSRequest(method=d['method'], url=d['url'], data=base64.b64decode(d['body']), headers={k: h[k] for k in signed})
            req.context['timestamp'] = h['x-amz-date']
            signer = SigV4Auth(Credentials(d['access'], d['secret'], d['token']), scope[3], scope[2])
            canonical = signer.canonical_request(req)
            print(scope[2] + ' ' + scope[3] + ' ' + signer.signature(signer.string_to_sign(req, canonical), req))
        """;

    [Fact]
    public async Task JsonQueryAndRestXmlSignatures_MatchBotocores()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var credentials = new SessionAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token");
        using var session = await AwsSession.CreateAsync(new AwsSessionOptions
        {
            Region = "eu-west-1",
            Credentials = credentials,
            EndpointUrl = proxy.Endpoint,
            Environment = AwsEnvironment.FromVariables([]),
            Retry = MotoServer.FastRetry,
        });

        await session.Ecs.ListClustersAsync(new Deployer.Aws.Ecs.ListClustersRequest { MaxResults = 5 });
        await Assert.ThrowsAsync<AwsApiException>(() => session.ElbV2.DescribeLoadBalancersAsync(new Deployer.Aws.ElasticLoadBalancingV2.DescribeLoadBalancersRequest { Names = ["a b", "c&d"] }));
        await Assert.ThrowsAsync<AwsApiException>(() => session.Iam.GetRoleAsync(new Deployer.Aws.Iam.GetRoleRequest { RoleName = "missing" }));
        await session.Logs.DescribeLogGroupsAsync(new Deployer.Aws.CloudWatchLogs.DescribeLogGroupsRequest { LogGroupNamePrefix = "/ünïcode" });
        // rest-xml: a GET with a query string, and a POST with an XML body to a path with a label.
        await session.Route53.ListHostedZonesByNameAsync(new Deployer.Aws.Route53.ListHostedZonesByNameRequest { DNSName = "my zone.example.com", MaxItems = "1" });
        await Assert.ThrowsAsync<AwsApiException>(() => session.Route53.ChangeResourceRecordSetsAsync(new Deployer.Aws.Route53.ChangeResourceRecordSetsRequest
        {
            HostedZoneId = "/hostedzone/ZNOTTHERE",
            ChangeBatch = new Deployer.Aws.Route53.ChangeBatch
            {
                Changes = [new Deployer.Aws.Route53.Change
                {
                    Action = "UPSERT",
                    ResourceRecordSet = new Deployer.Aws.Route53.ResourceRecordSet { Name = "a.example.com", Type = "CNAME", TTL = 60, ResourceRecords = [new() { Value = "b.example.com" }] },
                }],
            },
        }));

        var captured = proxy.Captured.ToList();
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(captured.Select(c => new
            {
                method = c.Method,
                url = c.Url,
                headers = c.Headers,
                body = Convert.ToBase64String(c.Body),
                access = "AKIDEXAMPLE",
                secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                token = "session-token",
            })));
            var expected = Python.Run(Verifier.Replace("sys.argv[1]", JsonSerializer.Serialize(file), StringComparison.Ordinal), TimeSpan.FromSeconds(60))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

            Assert.Equal(6, captured.Count);
            Assert.Equal(["eu-west-1 ecs", "eu-west-1 elasticloadbalancing", "us-east-1 iam", "eu-west-1 logs", "us-east-1 route53", "us-east-1 route53"],
                expected.Select(e => string.Join(' ', e.Split(' ').Take(2))));
            Assert.Equal(("GET", "POST"), (captured[4].Method, captured[5].Method));
            Assert.EndsWith("/2013-04-01/hostedzonesbyname?dnsname=my%20zone.example.com&maxitems=1", captured[4].Url, StringComparison.Ordinal);
            Assert.EndsWith("/2013-04-01/hostedzone/ZNOTTHERE/rrset/", captured[5].Url, StringComparison.Ordinal);
            for (var i = 0; i < captured.Count; i++)
            {
                var signature = captured[i].Headers["Authorization"].Split("Signature=")[1];
                Assert.Equal(expected[i].Split(' ')[2], signature);
                Assert.Equal("session-token", captured[i].Headers["X-Amz-Security-Token"]);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }
}

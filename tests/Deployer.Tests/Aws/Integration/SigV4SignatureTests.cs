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
    public async Task JsonAndQuerySignatures_MatchBotocores()
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

            Assert.Equal(4, captured.Count);
            Assert.Equal(["eu-west-1 ecs", "eu-west-1 elasticloadbalancing", "us-east-1 iam", "eu-west-1 logs"], expected.Select(e => string.Join(' ', e.Split(' ').Take(2))));
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

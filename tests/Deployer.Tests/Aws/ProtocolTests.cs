using System.Net;
using System.Text;
using System.Text.Json;
using Aspire.Deployer.Aws;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Ecs = Aspire.Deployer.Aws.Ecs;
using R53 = Aspire.Deployer.Aws.Route53;

namespace Aspire.Deployer.Tests.Aws;

public sealed class ProtocolTests
{
    [Theory]
    [InlineData("""{"__type":"com.amazonaws.ecs#ClusterNotFoundException","message":"Cluster not found."}""", null, "ClusterNotFoundException", "Cluster not found.")]
    [InlineData("""{"__type":"ClusterNotFoundException:http://internal.amazon.com/coral/","Message":"Cluster not found."}""", null, "ClusterNotFoundException", "Cluster not found.")]
    [InlineData("""{"message":"Rate exceeded"}""", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/", "ThrottlingException", "Rate exceeded")]
    [InlineData("", null, "ServiceUnavailable", "HTTP 503 without an error message.")]
    public void JsonErrors_AreDecodedFromTypeAndMessage(string body, string? headerType, string code, string message)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest);
        if (headerType is not null)
        {
            response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", headerType);
        }

        var status = body.Length == 0 ? 503 : 400;
        var error = AwsJsonProtocol.ReadError(status, response, Encoding.UTF8.GetBytes(body));

        Assert.Equal((code, message), (error.Code, error.Message));
    }

    [Fact]
    public void QueryErrors_AreDecodedFromErrorResponse()
    {
        const string body = """
            <ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
              <Error><Type>Sender</Type><Code>TargetGroupNotFound</Code><Message>One or more target groups not found</Message></Error>
              <RequestId>b8e6f7e4-1234</RequestId>
            </ErrorResponse>
            """;
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest);

        var error = AwsQueryProtocol.ReadError(400, response, Encoding.UTF8.GetBytes(body));

        Assert.Equal(("TargetGroupNotFound", "One or more target groups not found", "b8e6f7e4-1234"), (error.Code, error.Message, error.RequestId));
    }

    [Fact]
    public void QueryErrors_ThatAreNotXml_StillGiveAStatusBasedCode()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadGateway);

        var error = AwsQueryProtocol.ReadError(502, response, "<html>bad gateway"u8.ToArray());

        Assert.Equal("InternalFailure", error.Code);
        Assert.Contains("bad gateway", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void QueryRequests_FlattenStructuresListsAndEmptyLists()
    {
        var request = new Elb.CreateTargetGroupRequest
        {
            Name = "tg",
            Port = 4000,
            HealthCheckEnabled = true,
            Matcher = new Elb.Matcher { HttpCode = "200" },
            Tags = [new() { Key = "app", Value = "a b&c" }, new() { Key = "env", Value = "prod" }],
        };

        var fields = AwsQueryProtocol.Serialize(AwsService.ElasticLoadBalancingV2, "CreateTargetGroup", request);
        var form = AwsQueryProtocol.Encode(fields);
        var empty = AwsQueryProtocol.Serialize(AwsService.ElasticLoadBalancingV2, "DescribeLoadBalancers", new Elb.DescribeLoadBalancersRequest { Names = [] });

        Assert.Equal(
            "Action=CreateTargetGroup&Version=2015-12-01&Name=tg&Port=4000&HealthCheckEnabled=true&Matcher.HttpCode=200"
            + "&Tags.member.1.Key=app&Tags.member.1.Value=a%20b%26c&Tags.member.2.Key=env&Tags.member.2.Value=prod",
            form);
        Assert.Contains(new KeyValuePair<string, string>("Names", ""), empty);
    }

    [Fact]
    public void QueryResponses_AreReadFromTheResultElement()
    {
        const string body = """
            <DescribeTargetGroupsResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
              <DescribeTargetGroupsResult>
                <TargetGroups>
                  <member>
                    <TargetGroupArn>arn:tg</TargetGroupArn>
                    <Port>4000</Port>
                    <HealthCheckEnabled>true</HealthCheckEnabled>
                    <Matcher><HttpCode>200</HttpCode></Matcher>
                    <LoadBalancerArns><member>arn:lb1</member><member>arn:lb2</member></LoadBalancerArns>
                  </member>
                </TargetGroups>
                <NextMarker>abc</NextMarker>
              </DescribeTargetGroupsResult>
              <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>
            </DescribeTargetGroupsResponse>
            """;

        var response = AwsQueryProtocol.ReadResponse<Elb.DescribeTargetGroupsResponse>("DescribeTargetGroups", Encoding.UTF8.GetBytes(body));

        var group = Assert.Single(response.TargetGroups!);
        Assert.Equal(("arn:tg", 4000, true, "200"), (group.TargetGroupArn, group.Port, group.HealthCheckEnabled, group.Matcher!.HttpCode));
        Assert.Equal(["arn:lb1", "arn:lb2"], group.LoadBalancerArns!);
        Assert.Equal("abc", response.NextMarker);
    }

    [Fact]
    public void RestXmlRequests_PutLabelsInThePathQueryMembersInTheQueryAndTheRestInANamespacedBody()
    {
        var get = AwsRestXmlProtocol.BuildRequest(AwsService.Route53, new R53.ListResourceRecordSetsRequest
        {
            HostedZoneId = "/hostedzone/Z1",
            StartRecordName = "a b.example.com",
            StartRecordType = "A",
            MaxItems = "2",
        });
        var post = AwsRestXmlProtocol.BuildRequest(AwsService.Route53, new R53.ChangeResourceRecordSetsRequest
        {
            HostedZoneId = "Z1",
            ChangeBatch = new R53.ChangeBatch
            {
                Changes = [new R53.Change
                {
                    Action = "UPSERT",
                    ResourceRecordSet = new R53.ResourceRecordSet
                    {
                        Name = "app.example.com",
                        Type = "A",
                        AliasTarget = new R53.AliasTarget { HostedZoneId = "Z35", DNSName = "lb.elb.amazonaws.com", EvaluateTargetHealth = true },
                    },
                }],
            },
        });

        // The zone id loses its /hostedzone/ prefix on the wire (botocore does the same); GET carries no body.
        Assert.Equal(("GET", "/2013-04-01/hostedzone/Z1/rrset?name=a%20b.example.com&type=A&maxitems=2", 0, null),
            (get.Method, get.PathAndQuery, get.Body.Length, get.ContentType));
        Assert.Equal(("POST", "/2013-04-01/hostedzone/Z1/rrset/"), (post.Method, post.PathAndQuery));
        Assert.Equal(
            """<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change><Action>UPSERT</Action>"""
            + """<ResourceRecordSet><Name>app.example.com</Name><Type>A</Type><AliasTarget><HostedZoneId>Z35</HostedZoneId><DNSName>lb.elb.amazonaws.com</DNSName>"""
            + """<EvaluateTargetHealth>true</EvaluateTargetHealth></AliasTarget></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>""",
            Encoding.UTF8.GetString(post.Body));
    }

    [Fact]
    public void RestXmlResponses_ReadWrappedListsAndNestedStructures()
    {
        const string body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
              <ResourceRecordSets>
                <ResourceRecordSet><Name>example.com.</Name><Type>NS</Type><TTL>172800</TTL>
                  <ResourceRecords><ResourceRecord><Value>ns-1.awsdns-1.com.</Value></ResourceRecord><ResourceRecord><Value>ns-2.awsdns-2.net.</Value></ResourceRecord></ResourceRecords>
                </ResourceRecordSet>
                <ResourceRecordSet><Name>app.example.com.</Name><Type>A</Type>
                  <AliasTarget><HostedZoneId>Z35</HostedZoneId><DNSName>dualstack.lb.elb.amazonaws.com.</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>
                </ResourceRecordSet>
              </ResourceRecordSets>
              <IsTruncated>true</IsTruncated><NextRecordName>b.example.com.</NextRecordName><NextRecordType>A</NextRecordType><MaxItems>2</MaxItems>
            </ListResourceRecordSetsResponse>
            """;

        var response = AwsRestXmlProtocol.ReadResponse<R53.ListResourceRecordSetsResponse>(Encoding.UTF8.GetBytes(body.Trim()));

        Assert.Equal(2, response.ResourceRecordSets!.Count);
        Assert.Equal(["ns-1.awsdns-1.com.", "ns-2.awsdns-2.net."], response.ResourceRecordSets[0].ResourceRecords!.Select(r => r.Value));
        Assert.Equal(172800L, response.ResourceRecordSets[0].TTL);
        Assert.Equal(("dualstack.lb.elb.amazonaws.com.", false), (response.ResourceRecordSets[1].AliasTarget!.DNSName, response.ResourceRecordSets[1].AliasTarget!.EvaluateTargetHealth));
        Assert.Equal((true, "b.example.com.", "A"), (response.IsTruncated, response.NextRecordName, response.NextRecordType));
    }

    [Theory]
    [InlineData("""<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>NoSuchHostedZone</Code><Message>No hosted zone found with ID: Z1</Message></Error><RequestId>r-1</RequestId></ErrorResponse>""",
        "NoSuchHostedZone", "No hosted zone found with ID: Z1", "r-1")]
    [InlineData("""<?xml version="1.0"?><InvalidChangeBatch xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Messages><Message>Tried to create resource record set [name='a.example.com.', type='A'] but it already exists</Message></Messages><RequestId>r-2</RequestId></InvalidChangeBatch>""",
        "InvalidChangeBatch", "Tried to create resource record set [name='a.example.com.', type='A'] but it already exists", "r-2")]
    public void RestXmlErrors_AreReadFromErrorResponseOrTheErrorRoot(string body, string code, string message, string requestId)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest);

        var error = AwsRestXmlProtocol.ReadError(400, response, Encoding.UTF8.GetBytes(body));

        Assert.Equal((code, message, requestId), (error.Code, error.Message, error.RequestId));
    }

    [Fact]
    public void JsonRequests_UseTheModelsNamesAndLeaveOutNulls()
    {
        var request = new Ecs.UpdateServiceRequest { Cluster = "c", Service = "s", DesiredCount = 2, EnableECSManagedTags = true };

        var json = Encoding.UTF8.GetString(AwsJsonProtocol.Serialize(request));
        var wire = AwsJsonProtocol.BuildRequest(AwsService.Ecs, "UpdateService", request);

        Assert.Equal("""{"cluster":"c","service":"s","desiredCount":2,"enableECSManagedTags":true}""", json);
        Assert.Equal("AmazonEC2ContainerServiceV20141113.UpdateService", wire.Headers["X-Amz-Target"]);
        Assert.Equal("application/x-amz-json-1.1", wire.ContentType);
    }

    [Fact]
    public void JsonResponses_ReadEpochTimestampsAndIgnoreUnknownMembers()
    {
        const string body = """{"cluster":{"clusterName":"c","status":"ACTIVE","futureMember":1},"failures":[]}""";
        const string task = """{"tasks":[{"createdAt":1700000000.5,"taskArn":"arn"}]}""";

        var response = AwsJsonProtocol.ReadResponse<Ecs.DeleteClusterResponse>(Encoding.UTF8.GetBytes(body));
        var tasks = AwsJsonProtocol.ReadResponse<Ecs.DescribeTasksResponse>(Encoding.UTF8.GetBytes(task));

        Assert.Equal("c", response.Cluster!.ClusterName);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500), tasks.Tasks![0].CreatedAt);
    }

    [Fact]
    public void JsonResponses_DoNotRequireMembersTheRequestSideMarksRequired()
    {
        // Tag.key/value are required when sent, but a response may omit them; decoding must not throw.
        var response = AwsJsonProtocol.ReadResponse<Ecs.ListTagsForResourceResponse>("""{"tags":[{"key":"a"}]}"""u8.ToArray());

        Assert.Equal("a", Assert.Single(response.Tags!).Key);
    }

    [Fact]
    public void Exception_MessageReadsWellForUsers()
    {
        var error = new AwsApiException("ECS", "CreateService", "ClusterNotFoundException", "Cluster not found.", 400, "abc-123");

        Assert.Equal("ECS CreateService failed: ClusterNotFoundException: Cluster not found. (HTTP 400, request id abc-123)", error.Message);
    }

    [Theory]
    [InlineData(400, "Throttling", true)]
    [InlineData(400, "ThrottlingException", true)]
    [InlineData(400, "TooManyRequestsException", true)]
    [InlineData(400, "RequestLimitExceeded", true)]
    [InlineData(400, "ProvisionedThroughputExceededException", true)]
    [InlineData(500, "InternalFailure", true)]
    [InlineData(503, "ServiceUnavailable", true)]
    [InlineData(502, "Http502", true)]
    [InlineData(429, "Http429", true)]
    [InlineData(400, "ClusterNotFoundException", false)]
    [InlineData(400, "ValidationError", false)]
    [InlineData(404, "NoSuchEntity", false)]
    [InlineData(403, "AccessDenied", false)]
    public void RetryPolicy_RetriesThrottlingAndServerErrorsOnly(int status, string code, bool retryable) =>
        Assert.Equal(retryable, AwsRetryPolicy.IsRetryable(status, code));

    [Fact]
    public void Backoff_IsFullJitterUnderAnExponentialCap()
    {
        var options = new AwsRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(1000) };

        for (var attempt = 1; attempt <= 10; attempt++)
        {
            var cap = Math.Min(100 * Math.Pow(2, attempt - 1), 1000);
            for (var i = 0; i < 50; i++)
            {
                Assert.InRange(AwsRetryPolicy.Backoff(options, attempt).TotalMilliseconds, 0, cap);
            }
        }
    }

    [Fact]
    public async Task Paginator_StopsWhenTheServiceRepeatsAToken()
    {
        var calls = 0;
        var pages = AwsPaginator.PagesAsync(
            new Ecs.ListClustersRequest(),
            (_, _) => { calls++; return Task.FromResult(new Ecs.ListClustersResponse { NextToken = "same" }); },
            static (r, t) => r with { NextToken = t },
            static r => r.NextToken);

        var error = await Assert.ThrowsAsync<AwsApiException>(async () => await pages.ToListAsync());

        Assert.Equal(("PaginationLoop", "ListClusters", "ECS"), (error.ErrorCode, error.Operation, error.Service));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Paginator_PassesEachTokenToTheNextRequest()
    {
        var seen = new List<string?>();
        var tokens = new Queue<string?>(["t1", "t2", null]);
        var items = AwsPaginator.ItemsAsync(
            AwsPaginator.PagesAsync(
                new Ecs.ListClustersRequest { MaxResults = 1 },
                (r, _) => { seen.Add(r.NextToken); return Task.FromResult(new Ecs.ListClustersResponse { ClusterArns = [$"arn{seen.Count}"], NextToken = tokens.Dequeue() }); },
                static (r, t) => r with { NextToken = t },
                static r => r.NextToken),
            static r => r.ClusterArns);

        Assert.Equal(["arn1", "arn2", "arn3"], await items.ToListAsync());
        Assert.Equal([null, "t1", "t2"], seen);
    }
}

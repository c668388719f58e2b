using System.Collections.Concurrent;
using System.Globalization;
using Aspire.Deployer.Aws.Ecs;
using Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Aspire.Deployer.Aws.Iam;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Integration;

/// <summary>Retries proven through a proxy in front of moto that throttles or fails chosen calls and counts them.</summary>
public sealed class RetryThroughFaultProxyTests : IAsyncLifetime
{
    private static readonly AwsRetryOptions Retry = MotoServer.FastRetry with { MaxAttempts = 4 };
    private FaultProxy _proxy = null!;
    private AwsSession _session = null!;

    public async Task InitializeAsync()
    {
        var moto = await MotoServer.GetAsync();
        _proxy = await FaultProxy.StartAsync(moto.Endpoint);
        _session = await MotoServer.CreateSessionAsync(_proxy.Endpoint, Retry);
    }

    public async Task DisposeAsync()
    {
        _session.Dispose();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task JsonThrottling_IsRetriedUntilItSucceeds()
    {
        _proxy.Decide = FaultProxy.FirstCalls(3, Fault.Throttle);

        var response = await _session.Ecs.ListClustersAsync(new ListClustersRequest());

        Assert.NotNull(response);
        Assert.Equal(4, _proxy.CallsTo("ListClusters"));
    }

    [Fact]
    public async Task QueryThrottling_IsRetriedUntilItSucceeds()
    {
        _proxy.Decide = FaultProxy.FirstCalls(2, Fault.Throttle);

        var response = await _session.ElbV2.DescribeLoadBalancersAsync(new DescribeLoadBalancersRequest());

        Assert.NotNull(response);
        Assert.Equal(3, _proxy.CallsTo("DescribeLoadBalancers"));
    }

    [Fact]
    public async Task ServiceUnavailable_IsRetriedUntilItSucceeds()
    {
        _proxy.Decide = FaultProxy.FirstCalls(1, Fault.ServiceUnavailable);

        var role = MotoServer.UniqueName("retry");
        await _session.Iam.CreateRoleAsync(new CreateRoleRequest { RoleName = role, AssumeRolePolicyDocument = "{}" });
        var fetched = await _session.Iam.GetRoleAsync(new GetRoleRequest { RoleName = role });

        Assert.Equal(role, fetched.Role.RoleName);
        Assert.Equal(2, _proxy.CallsTo("CreateRole"));
        Assert.Equal(2, _proxy.CallsTo("GetRole"));
    }

    [Fact]
    public async Task AShareOfCallsThrottled_EveryCallStillSucceeds()
    {
        _proxy.Decide = call => call.Attempt % 2 == 1 ? Fault.Throttle : Fault.None;

        for (var i = 0; i < 5; i++)
        {
            await _session.Ecs.ListClustersAsync(new ListClustersRequest());
        }

        Assert.Equal(10, _proxy.CallsTo("ListClusters"));
    }

    [Fact]
    public async Task AlwaysUnavailable_GivesUpAfterMaxAttemptsWithTheLastError()
    {
        _proxy.Decide = _ => Fault.ServiceUnavailable;

        var error = await Assert.ThrowsAsync<AwsApiException>(() => _session.Ecs.ListClustersAsync(new ListClustersRequest()));

        Assert.Equal(Retry.MaxAttempts, _proxy.CallsTo("ListClusters"));
        Assert.Equal(Retry.MaxAttempts, error.Attempts);
        Assert.Equal(503, error.HttpStatus);
        Assert.Equal("ServiceUnavailable", error.ErrorCode);
        Assert.Equal("proxy-ListClusters-4", error.RequestId);
        Assert.Contains("4 attempts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlwaysThrottled_GivesUpAfterMaxAttemptsAsThrottling()
    {
        _proxy.Decide = _ => Fault.Throttle;

        var json = await Assert.ThrowsAsync<AwsApiException>(() => _session.Ecs.ListClustersAsync(new ListClustersRequest()));
        var query = await Assert.ThrowsAsync<AwsApiException>(() => _session.ElbV2.DescribeLoadBalancersAsync(new DescribeLoadBalancersRequest()));

        Assert.Equal(("ThrottlingException", 400, true), (json.ErrorCode, json.HttpStatus!.Value, json.IsThrottling));
        Assert.Equal(("Throttling", 400, true), (query.ErrorCode, query.HttpStatus!.Value, query.IsThrottling));
        Assert.Equal(Retry.MaxAttempts, _proxy.CallsTo("ListClusters"));
        Assert.Equal(Retry.MaxAttempts, _proxy.CallsTo("DescribeLoadBalancers"));
        Assert.Equal("proxy-DescribeLoadBalancers-4", query.RequestId);
    }

    [Fact]
    public async Task NonRetryableErrors_AreAttemptedExactlyOnce()
    {
        var missing = MotoServer.UniqueName("missing");

        var ecs = await Assert.ThrowsAsync<AwsApiException>(() => _session.Ecs.DescribeServicesAsync(new DescribeServicesRequest { Cluster = missing, Services = ["web"] }));
        var iam = await Assert.ThrowsAsync<AwsApiException>(() => _session.Iam.GetRoleAsync(new GetRoleRequest { RoleName = missing }));

        Assert.Equal("ClusterNotFoundException", ecs.ErrorCode);
        Assert.Equal("NoSuchEntity", iam.ErrorCode);
        Assert.Equal(1, _proxy.CallsTo("DescribeServices"));
        Assert.Equal(1, _proxy.CallsTo("GetRole"));
        Assert.Equal(1, ecs.Attempts);
    }

    [Fact]
    public async Task ClockSkewError_AdoptsTheServersClockAndRetriesOnce()
    {
        _proxy.Decide = FaultProxy.FirstCalls(1, Fault.ClockSkew);

        await _session.Ecs.ListClustersAsync(new ListClustersRequest());

        Assert.Equal(2, _proxy.CallsTo("ListClusters"));
        Assert.InRange(_session.ClockOffset, FaultProxy.SkewedBy - TimeSpan.FromMinutes(1), FaultProxy.SkewedBy + TimeSpan.FromMinutes(1));
        var resigned = _proxy.Captured.Last().Headers["X-Amz-Date"];
        var signedAt = DateTime.ParseExact(resigned, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        Assert.InRange(signedAt - DateTime.UtcNow, FaultProxy.SkewedBy - TimeSpan.FromMinutes(1), FaultProxy.SkewedBy + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task ClockSkewThatPersists_IsNotRetriedForever()
    {
        _proxy.Decide = _ => Fault.ClockSkew;

        var error = await Assert.ThrowsAsync<AwsApiException>(() => _session.Ecs.ListClustersAsync(new ListClustersRequest()));

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal(2, _proxy.CallsTo("ListClusters"));
    }

    [Fact]
    public async Task InsideASingleAttemptScope_A503IsNotRetried_AndOutsideItIsAgain()
    {
        _proxy.Decide = FaultProxy.FirstCalls(1, Fault.ServiceUnavailable);

        AwsApiException error;
        using (AwsAttemptScope.SingleAttempt())
        {
            error = await Assert.ThrowsAsync<AwsApiException>(() => _session.Ecs.ListClustersAsync(new ListClustersRequest()));
        }

        Assert.Equal((503, 1, true), (error.HttpStatus, error.Attempts, error.IsTransient));
        Assert.Equal(1, _proxy.CallsTo("ListClusters"));

        // The scope has ended: the next call retries as usual.
        _proxy.Decide = call => call.Attempt == 2 ? Fault.ServiceUnavailable : Fault.None;
        await _session.Ecs.ListClustersAsync(new ListClustersRequest());
        Assert.Equal(3, _proxy.CallsTo("ListClusters"));
    }

    [Fact]
    public async Task OnRetry_ReportsEveryRetryWithItsError()
    {
        var events = new ConcurrentQueue<AwsRetryEvent>();
        using var observed = await AwsSession.CreateAsync(new AwsSessionOptions
        {
            Region = "us-east-1",
            Credentials = MotoServer.Credentials,
            EndpointUrl = _proxy.Endpoint,
            Environment = AwsEnvironment.FromVariables([]),
            Retry = Retry,
            OnRetry = events.Enqueue,
        });
        _proxy.Decide = FaultProxy.FirstCalls(2, Fault.Throttle);

        await observed.ElbV2.DescribeLoadBalancersAsync(new DescribeLoadBalancersRequest());

        Assert.Equal([1, 2], events.Select(e => e.Attempt));
        Assert.All(events, e => Assert.Equal(("ELBv2", "DescribeLoadBalancers", "Throttling"), (e.Service, e.Operation, e.Error.ErrorCode)));
        Assert.All(events, e => Assert.InRange(e.Delay, TimeSpan.Zero, Retry.MaxDelay));
    }

    [Fact]
    public async Task Cancellation_StopsRetriesPromptly()
    {
        _proxy.Decide = _ => Fault.ServiceUnavailable;
        var slow = await MotoServer.CreateSessionAsync(_proxy.Endpoint, Retry with { MaxAttempts = 50, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(1) });
        using (slow)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var started = System.Diagnostics.Stopwatch.StartNew();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.Ecs.ListClustersAsync(new ListClustersRequest(), cts.Token));

            Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
            Assert.True(_proxy.CallsTo("ListClusters") < 50);
        }
    }
}

using Aspire.Deployer.Model;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Settings;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Verbs;
using Xunit.Abstractions;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>The status verb against moto: the fields it reports, and that it only reads.</summary>
public sealed class StatusIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Status_NothingDeployed_SaysSoWithReadOnlyCalls()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        var scope = new AppScope(PlanSamples.UniqueApp(), "test");

        var report = await StatusVerb.RunAsync(session, scope).WaitAsync(Timeout);

        Assert.False(report.IsDeployed);
        var line = Assert.Single(report.ToLines());
        Assert.StartsWith($"Nothing is deployed for app '{scope.App}', environment 'test' in us-east-1", line, StringComparison.Ordinal);
        var operations = DestroySamples.Operations(proxy);
        Assert.NotEmpty(operations);
        Assert.All(operations, o => Assert.Matches(DestroySamples.ReadOnly(), o));
    }

    [Fact]
    public async Task Status_Deployed_ReportsStateCountsRolloutRevisionTargetsUrlAndEvents()
    {
        var moto = await MotoServer.GetAsync();
        var deployment = DestroySamples.Deployment(PlanSamples.UniqueApp());
        var names = deployment.Services[0].Names;
        string dns;
        using (var direct = await moto.SessionAsync())
        {
            await DestroySamples.DeployAsync(direct, deployment);
            var group = Assert.Single(await ApplyTestKit.ServiceTargetGroupsAsync(direct, names));
            await direct.ElbV2.RegisterTargetsAsync(new Elb.RegisterTargetsRequest
            {
                TargetGroupArn = group.TargetGroupArn!,
                Targets = [new Elb.TargetDescription { Id = "10.0.1.15", Port = 8080 }],
            });
            dns = (await direct.ElbV2.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { Names = [names.LoadBalancer] })).LoadBalancers![0].DNSName!;
        }

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);

        var report = await StatusVerb.RunAsync(session, AppScope.From(deployment), eventCount: 3).WaitAsync(Timeout);
        var lines = report.ToLines();
        output.WriteLine(string.Join(Environment.NewLine, lines));

        Assert.True(report.IsDeployed);
        Assert.Equal([names.Cluster], report.Clusters);
        var service = Assert.Single(report.Services);
        Assert.Equal(names.Service, service.Name);
        Assert.Equal("ACTIVE", service.Status);
        Assert.Equal(1, service.Desired);
        Assert.Equal(1, service.Running); // MOTO_ECS_SERVICE_RUNNING
        Assert.Equal($"{names.TaskFamily}:1", service.TaskDefinition);
        Assert.Equal("COMPLETED", service.RolloutState); // MOTO_ECS_SERVICE_RUNNING
        Assert.Equal($"http://{dns}:80", service.Url);
        var target = Assert.Single(service.Targets);
        Assert.Equal("10.0.1.15", target.Id);
        Assert.Equal(8080, target.Port);
        Assert.Equal("healthy", target.State); // moto reports registered targets healthy
        Assert.True(service.Events.Count <= 3);
        Assert.Contains($"Service {names.Service}: ACTIVE, running 1/1 desired, 0 pending", lines);
        Assert.Contains($"  Task definition: {names.TaskFamily}:1", lines);
        Assert.Contains($"  URL: http://{dns}:80", lines);
        Assert.Contains(lines, l => l.StartsWith("  Rollout (primary deployment): ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("    10.0.1.15:8080 ", StringComparison.Ordinal));
        Assert.All(DestroySamples.Operations(proxy), o => Assert.Matches(DestroySamples.ReadOnly(), o));
    }

    [Fact]
    public void StatusReport_ToLines_ShowsEveryField()
    {
        var scope = new AppScope("shop", "prod");
        var service = new ServiceStatus("shop-prod-web", "shop-prod", "ACTIVE", 1, 2, 1, "shop-prod-web:7", "IN_PROGRESS", "ECS deployment ecs-svc/1 in progress.", 2,
            [
                new TargetStatus("10.0.1.15", 4000, "healthy", null, null),
                new TargetStatus("10.0.2.16", 4000, "unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [503]"),
            ],
            "http://shop-prod-123.us-east-1.elb.amazonaws.com:4000",
            [new ServiceEventLine(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), "(service shop-prod-web) has reached a steady state.")],
            []);

        var lines = new StatusReport(scope, "us-east-1", ["shop-prod"], [service]).ToLines();

        Assert.Equal(
        [
            "Status of app 'shop', environment 'prod' in us-east-1 (cluster shop-prod):",
            "Service shop-prod-web: ACTIVE, running 1/2 desired, 1 pending",
            "  Task definition: shop-prod-web:7",
            "  Rollout (primary deployment): IN_PROGRESS - ECS deployment ecs-svc/1 in progress. (2 deployments: a rollout is under way)",
            "  URL: http://shop-prod-123.us-east-1.elb.amazonaws.com:4000",
            "  Targets (1/2 healthy):",
            "    10.0.1.15:4000 healthy",
            "    10.0.2.16:4000 unhealthy (Target.ResponseCodeMismatch: Health checks failed with these codes: [503])",
            "  Recent events (newest first):",
            "    2026-11-25 10:00:00Z (service shop-prod-web) has reached a steady state.",
        ], lines);
    }

    [Theory]
    [InlineData("shop", "prod", "aspire-ecs-deployer", true)]
    [InlineData("shop", "prod2", "aspire-ecs-deployer", false)]
    [InlineData("other", "prod", "aspire-ecs-deployer", false)]
    [InlineData("shop", "prod", "someone-else", false)]
    [InlineData("shop", "prod", null, false)]
    public void AppScope_Owns_NeedsAppEnvironmentAndManagedByTags(string app, string environment, string? managedBy, bool owned)
    {
        var tags = new Dictionary<string, string> { ["aspire:app"] = app, ["aspire:environment"] = environment, ["aspire:resource"] = "web" };
        if (managedBy is not null)
        {
            tags["aspire:managed-by"] = managedBy;
        }

        Assert.Equal(owned, new AppScope("shop", "prod").Owns(tags));
        Assert.False(new AppScope("shop", "prod").Owns(null));
    }

    [Fact]
    public void DestroyResult_NothingRemoved_SaysNothingToDestroy()
    {
        var result = new DestroyResult(new AppScope("shop", "prod"), [], []);

        Assert.True(result.NothingToDestroy);
        Assert.Equal(["Nothing to destroy: no resource tagged for app 'shop', environment 'prod' exists."], result.SummaryLines());
    }
}

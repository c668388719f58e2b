using Aspire.Deployer.Aws.ApplicationAutoScaling;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Integration;

public sealed class ApplicationAutoScalingIntegrationTests
{
    [Fact]
    public async Task AutoScalingOperations_RoundTripAgainstMoto()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var scaling = session.AutoScaling;
        var resourceId = await CreateEcsServiceAsync(session, MotoServer.UniqueName("cluster"), "web");

        await scaling.RegisterScalableTargetAsync(new RegisterScalableTargetRequest
        {
            ServiceNamespace = ServiceNamespace.Ecs,
            ResourceId = resourceId,
            ScalableDimension = ScalableDimension.EcsServiceDesiredCount,
            MinCapacity = 1,
            MaxCapacity = 4,
        });
        var target = Assert.Single(await scaling.DescribeScalableTargetsItemsAsync(new DescribeScalableTargetsRequest { ServiceNamespace = ServiceNamespace.Ecs, ResourceIds = [resourceId] }).ToListAsync());
        Assert.Equal(4, target.MaxCapacity);

        var policy = await scaling.PutScalingPolicyAsync(new PutScalingPolicyRequest
        {
            PolicyName = "cpu60",
            ServiceNamespace = ServiceNamespace.Ecs,
            ResourceId = resourceId,
            ScalableDimension = ScalableDimension.EcsServiceDesiredCount,
            PolicyType = PolicyType.TargetTrackingScaling,
            TargetTrackingScalingPolicyConfiguration = new TargetTrackingScalingPolicyConfiguration
            {
                TargetValue = 60,
                PredefinedMetricSpecification = new PredefinedMetricSpecification { PredefinedMetricType = MetricType.ECSServiceAverageCPUUtilization },
                ScaleInCooldown = 60,
                ScaleOutCooldown = 60,
            },
        });
        Assert.False(string.IsNullOrEmpty(policy.PolicyARN));

        var policies = await scaling.DescribeScalingPoliciesItemsAsync(new DescribeScalingPoliciesRequest { ServiceNamespace = ServiceNamespace.Ecs, ResourceId = resourceId }).ToListAsync();
        var described = Assert.Single(policies);
        Assert.Equal(60, described.TargetTrackingScalingPolicyConfiguration!.TargetValue);
        Assert.Equal("ECSServiceAverageCPUUtilization", described.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification!.PredefinedMetricType);

        await scaling.DeleteScalingPolicyAsync(new DeleteScalingPolicyRequest { PolicyName = "cpu60", ServiceNamespace = ServiceNamespace.Ecs, ResourceId = resourceId, ScalableDimension = ScalableDimension.EcsServiceDesiredCount });
        await scaling.DeregisterScalableTargetAsync(new DeregisterScalableTargetRequest { ServiceNamespace = ServiceNamespace.Ecs, ResourceId = resourceId, ScalableDimension = ScalableDimension.EcsServiceDesiredCount });
        Assert.Empty(await scaling.DescribeScalableTargetsItemsAsync(new DescribeScalableTargetsRequest { ServiceNamespace = ServiceNamespace.Ecs, ResourceIds = [resourceId] }).ToListAsync());
    }

    [Fact]
    public async Task DescribeScalableTargets_WithMaxResultsTwo_ReadsEveryPage()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var cluster = MotoServer.UniqueName("paged");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await CreateEcsServiceAsync(session, cluster, $"svc{i}"));
        }

        foreach (var id in ids)
        {
            await session.AutoScaling.RegisterScalableTargetAsync(new RegisterScalableTargetRequest { ServiceNamespace = ServiceNamespace.Ecs, ResourceId = id, ScalableDimension = ScalableDimension.EcsServiceDesiredCount, MinCapacity = 1, MaxCapacity = 2 });
        }

        var pages = await session.AutoScaling.DescribeScalableTargetsPagesAsync(new DescribeScalableTargetsRequest { ServiceNamespace = ServiceNamespace.Ecs, ResourceIds = ids, MaxResults = 2 }).ToListAsync();

        // moto 5.2's NextToken is only right for the second page (it is relative), so two pages of 2 + 1.
        Assert.Equal(2, pages.Count);
        Assert.Equal(ids, pages.SelectMany(p => p.ScalableTargets!).Select(t => t.ResourceId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DeregisterScalableTarget_OnAMissingTarget_GivesObjectNotFoundException()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();

        var error = await Assert.ThrowsAsync<AwsApiException>(() => session.AutoScaling.DeregisterScalableTargetAsync(new DeregisterScalableTargetRequest
        {
            ServiceNamespace = ServiceNamespace.Ecs,
            ResourceId = $"service/{MotoServer.UniqueName("missing")}/web",
            ScalableDimension = ScalableDimension.EcsServiceDesiredCount,
        }));

        // AWS answers ObjectNotFoundException; moto 5.2 answers ValidationException for the same call.
        Assert.Contains(error.ErrorCode, new[] { "ObjectNotFoundException", "ValidationException" });
        Assert.Equal("DeregisterScalableTarget", error.Operation);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("Application Auto Scaling", error.Service);
    }

    /// <summary>moto, like AWS, only scales ECS services that exist.</summary>
    private static async Task<string> CreateEcsServiceAsync(AwsSession session, string cluster, string service)
    {
        await session.Ecs.CreateClusterAsync(new Deployer.Aws.Ecs.CreateClusterRequest { ClusterName = cluster });
        var family = MotoServer.UniqueName("scaled");
        var definition = await session.Ecs.RegisterTaskDefinitionAsync(new Deployer.Aws.Ecs.RegisterTaskDefinitionRequest
        {
            Family = family,
            ContainerDefinitions = [new Deployer.Aws.Ecs.ContainerDefinition { Name = "app", Image = "nginx", Memory = 128 }],
        });
        await session.Ecs.CreateServiceAsync(new Deployer.Aws.Ecs.CreateServiceRequest { Cluster = cluster, ServiceName = service, TaskDefinition = definition.TaskDefinition!.TaskDefinitionArn, DesiredCount = 1 });
        return $"service/{cluster}/{service}";
    }
}

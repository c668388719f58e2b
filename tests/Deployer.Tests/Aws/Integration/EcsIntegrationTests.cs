using Aspire.Deployer.Aws.Ecs;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Integration;

public sealed class EcsIntegrationTests
{
    [Fact]
    public async Task EcsOperations_RoundTripAgainstMoto()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var ecs = session.Ecs;
        var clusterName = MotoServer.UniqueName("cluster");
        var family = MotoServer.UniqueName("family");
        Tag[] tags = [new() { Key = "app", Value = "node-app" }, new() { Key = "env", Value = "test" }];

        var created = await ecs.CreateClusterAsync(new CreateClusterRequest
        {
            ClusterName = clusterName,
            Settings = [new ClusterSetting { Name = ClusterSettingName.ContainerInsights, Value = "enabled" }],
            Tags = tags,
        });
        Assert.Equal(clusterName, created.Cluster!.ClusterName);

        var clusters = await ecs.DescribeClustersAsync(new DescribeClustersRequest { Clusters = [clusterName], Include = [ClusterField.Tags, ClusterField.Settings] });
        var cluster = Assert.Single(clusters.Clusters!);
        Assert.Equal("ACTIVE", cluster.Status);
        Assert.Contains(cluster.Tags!, t => t.Key == "app" && t.Value == "node-app");
        Assert.Contains(clusterName, await ecs.ListClustersItemsAsync(new ListClustersRequest()).Select(a => a.Split('/').Last()).ToListAsync());

        var registered = await ecs.RegisterTaskDefinitionAsync(new RegisterTaskDefinitionRequest
        {
            Family = family,
            RequiresCompatibilities = [Compatibility.Fargate],
            NetworkMode = NetworkMode.Awsvpc,
            Cpu = "256",
            Memory = "512",
            RuntimePlatform = new RuntimePlatform { CpuArchitecture = CPUArchitecture.X8664, OperatingSystemFamily = OSFamily.Linux },
            ContainerDefinitions =
            [
                new ContainerDefinition
                {
                    Name = "node-app",
                    Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/node-app:1",
                    Essential = true,
                    ReadonlyRootFilesystem = true,
                    Privileged = false,
                    StopTimeout = 25,
                    PortMappings = [new PortMapping { ContainerPort = 4000, Protocol = TransportProtocol.Tcp }],
                    Environment = [new AwsKeyValuePair { Name = "PORT", Value = "4000" }],
                    LogConfiguration = new LogConfiguration
                    {
                        LogDriver = LogDriver.Awslogs,
                        Options = new Dictionary<string, string> { ["awslogs-group"] = "/ecs/node-app", ["awslogs-region"] = "us-east-1", ["awslogs-stream-prefix"] = "node-app" },
                    },
                    HealthCheck = new HealthCheck { Command = ["CMD-SHELL", "exit 0"], Interval = 10, Retries = 3 },
                },
            ],
            Tags = tags,
        });
        var taskDefinitionArn = registered.TaskDefinition!.TaskDefinitionArn!;
        Assert.Equal(1, registered.TaskDefinition.Revision);

        var described = await ecs.DescribeTaskDefinitionAsync(new DescribeTaskDefinitionRequest { TaskDefinition = family, Include = [TaskDefinitionField.Tags] });
        Assert.Equal(taskDefinitionArn, described.TaskDefinition!.TaskDefinitionArn);
        var container = Assert.Single(described.TaskDefinition.ContainerDefinitions!);
        Assert.Equal(4000, Assert.Single(container.PortMappings!).ContainerPort);
        Assert.Equal("awslogs", container.LogConfiguration!.LogDriver);
        Assert.Contains(described.Tags!, t => t.Key == "env" && t.Value == "test");

        var vpc = await session.Ec2.GetDefaultVpcAsync();
        var subnetIds = (await session.Ec2.DescribeSubnetsAsync(vpc!.VpcId)).Select(s => s.SubnetId).Take(2).ToList();
        var groupId = await session.Ec2.CreateSecurityGroupAsync(MotoServer.UniqueName("svc"), "service", vpc.VpcId);
        var service = (await ecs.CreateServiceAsync(new CreateServiceRequest
        {
            Cluster = clusterName,
            ServiceName = "web",
            TaskDefinition = taskDefinitionArn,
            DesiredCount = 1,
            LaunchType = LaunchType.Fargate,
            NetworkConfiguration = new NetworkConfiguration
            {
                AwsvpcConfiguration = new AwsVpcConfiguration { Subnets = subnetIds, SecurityGroups = [groupId], AssignPublicIp = AssignPublicIp.Enabled },
            },
            DeploymentConfiguration = new DeploymentConfiguration
            {
                MaximumPercent = 200,
                MinimumHealthyPercent = 100,
                DeploymentCircuitBreaker = new DeploymentCircuitBreaker { Enable = true, Rollback = true },
            },
            HealthCheckGracePeriodSeconds = 30,
            PropagateTags = PropagateTags.Service,
            EnableECSManagedTags = true,
            Tags = tags,
        })).Service!;
        Assert.Equal("web", service.ServiceName);

        var services = await ecs.DescribeServicesAsync(new DescribeServicesRequest { Cluster = clusterName, Services = ["web"], Include = [ServiceField.Tags] });
        var running = Assert.Single(services.Services!);
        Assert.Equal(1, running.DesiredCount);
        Assert.Equal(1, running.RunningCount); // MOTO_ECS_SERVICE_RUNNING=1

        var updated = await ecs.UpdateServiceAsync(new UpdateServiceRequest { Cluster = clusterName, Service = "web", DesiredCount = 2, TaskDefinition = taskDefinitionArn });
        Assert.Equal(2, updated.Service!.DesiredCount);
        Assert.Contains(service.ServiceArn!, await ecs.ListServicesItemsAsync(new ListServicesRequest { Cluster = clusterName }).ToListAsync());

        var taskArns = await ecs.ListTasksItemsAsync(new ListTasksRequest { Cluster = clusterName, ServiceName = "web" }).ToListAsync();
        var missingTask = $"arn:aws:ecs:us-east-1:123456789012:task/{clusterName}/0123456789abcdef0123456789abcdef";
        var tasks = await ecs.DescribeTasksAsync(new DescribeTasksRequest { Cluster = clusterName, Tasks = [.. taskArns, missingTask] });
        Assert.Equal(taskArns.Count, tasks.Tasks?.Count ?? 0);

        await ecs.TagResourceAsync(new TagResourceRequest { ResourceArn = service.ServiceArn!, Tags = [new() { Key = "version", Value = "2" }] });
        var serviceTags = await ecs.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = service.ServiceArn! });
        Assert.Contains(serviceTags.Tags!, t => t.Key == "version" && t.Value == "2");
        await ecs.UntagResourceAsync(new UntagResourceRequest { ResourceArn = service.ServiceArn!, TagKeys = ["version"] });
        serviceTags = await ecs.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = service.ServiceArn! });
        Assert.DoesNotContain(serviceTags.Tags ?? [], t => t.Key == "version");

        await ecs.DeleteServiceAsync(new DeleteServiceRequest { Cluster = clusterName, Service = "web", Force = true });
        var deregistered = await ecs.DeregisterTaskDefinitionAsync(new DeregisterTaskDefinitionRequest { TaskDefinition = taskDefinitionArn });
        Assert.Equal("INACTIVE", deregistered.TaskDefinition!.Status);
        var deleted = await ecs.DeleteClusterAsync(new DeleteClusterRequest { Cluster = clusterName });
        Assert.Equal("INACTIVE", deleted.Cluster!.Status);
        await session.Ec2.DeleteSecurityGroupAsync(groupId);
    }

    [Fact]
    public async Task ListTaskDefinitionsItems_ReturnsEveryRevision()
    {
        // moto 5.2 ignores maxResults for ECS (one page); following several pages is proven against ELBv2, IAM,
        // CloudWatch Logs and Application Auto Scaling, which moto does paginate.
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var family = MotoServer.UniqueName("paged");
        for (var i = 0; i < 5; i++)
        {
            await session.Ecs.RegisterTaskDefinitionAsync(new RegisterTaskDefinitionRequest
            {
                Family = family,
                ContainerDefinitions = [new ContainerDefinition { Name = "app", Image = $"nginx:{i}", Memory = 128 }],
            });
        }

        var arns = await session.Ecs.ListTaskDefinitionsItemsAsync(new ListTaskDefinitionsRequest { FamilyPrefix = family, MaxResults = 2 }).ToListAsync();

        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"{family}:{i}"), arns.Select(a => a.Split('/').Last()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DescribeServicesAndUpdateService_OnAMissingCluster_GiveClusterNotFoundException()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var missing = MotoServer.UniqueName("missing");

        var describe = await Assert.ThrowsAsync<AwsApiException>(() => session.Ecs.DescribeServicesAsync(new DescribeServicesRequest { Cluster = missing, Services = ["web"] }));
        var update = await Assert.ThrowsAsync<AwsApiException>(() => session.Ecs.UpdateServiceAsync(new UpdateServiceRequest { Cluster = missing, Service = "web", DesiredCount = 1 }));

        foreach (var (error, operation) in new[] { (describe, "DescribeServices"), (update, "UpdateService") })
        {
            Assert.Equal("ClusterNotFoundException", error.ErrorCode);
            Assert.Equal("ECS", error.Service);
            Assert.Equal(operation, error.Operation);
            Assert.Equal(400, error.HttpStatus);
            Assert.Equal(1, error.Attempts);
            Assert.StartsWith($"ECS {operation} failed: ClusterNotFoundException: ", error.Message, StringComparison.Ordinal);
        }
    }
}

using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Network;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Verbs;
using Aspire.ServiceDefaults;
using Ecr = Aspire.Deployer.Aws.Ecr;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Iam = Aspire.Deployer.Aws.Iam;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;
using static Aspire.Deployer.Tests.Verbs.ApplyTestKit;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>
/// The deploy verb against moto, every call through a recording proxy: a full deploy checked through the API, a
/// redeploy with no mutating call, one revision per change, convergence after an interrupted deploy, and no call at
/// all for bad input. Each test uses its own app name, so the shared moto server serves tests in parallel.
/// </summary>
public sealed class DeployIntegrationTests
{
    [Fact]
    public async Task Deploy_EmptyAccount_MakesEverythingArchitectureLists()
    {
        var moto = await MotoServer.GetAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        var names = deployment.Services[0].Names;
        var image = Image(deployment);
        var log = new StringWriter();

        var summary = await DeployAsync(moto.Endpoint, deployment, image, log);

        Assert.Equal("succeeded", summary.Result);
        Assert.Equal(12, summary.Changes["create"]);
        // 19 changing calls (the ECR lifecycle policy is one): the interruption test below cuts the deploy at points across this range.
        Assert.Equal(19, summary.MutatingCalls);
        var service = Assert.Single(summary.Services);
        Assert.Matches("^http://[^/]+:80$", service.Url);
        Assert.Equal(image, service.Image);
        Assert.Equal(1, service.RunningCount);
        Assert.Equal(1, service.DesiredCount);
        Assert.EndsWith($"task-definition/{names.TaskFamily}:1", service.TaskDefinitionArn);
        Assert.Contains("==> Wait until steady and healthy", log.ToString());
        Assert.Contains("Deploy succeeded", log.ToString());
        Assert.Equal(summary, DeploySummary.FromJson(summary.ToJson())! with { Changes = summary.Changes, Services = summary.Services, Changed = summary.Changed });

        using var aws = await moto.SessionAsync();
        // Cluster: Container Insights (Security Hub ECS.12), tags.
        var cluster = Assert.Single((await aws.Ecs.DescribeClustersAsync(new Ecs.DescribeClustersRequest
        {
            Clusters = [names.Cluster],
            Include = [Ecs.ClusterField.Settings, Ecs.ClusterField.Tags],
        })).Clusters!);
        Assert.Equal("enabled", cluster.Settings!.Single(s => s.Name == Ecs.ClusterSettingName.ContainerInsights).Value);
        Assert.Contains(cluster.Tags!, t => t.Key == AwsNames.TagKeys.App && t.Value == deployment.App);

        // ECR: scan on push, immutable tags.
        var repository = Assert.Single((await aws.Ecr.DescribeRepositoriesAsync(new Ecr.DescribeRepositoriesRequest { RepositoryNames = [names.Repository] })).Repositories!);
        Assert.True(repository.ImageScanningConfiguration!.ScanOnPush);
        Assert.Equal(Ecr.ImageTagMutability.Immutable, repository.ImageTagMutability);

        // Logs: retention.
        var group = (await aws.Logs.DescribeLogGroupsAsync(new Logs.DescribeLogGroupsRequest { LogGroupNamePrefix = names.LogGroup })).LogGroups!.Single(g => g.LogGroupName == names.LogGroup);
        Assert.Equal(30, group.RetentionInDays);

        // IAM: the execution role has exactly the managed execution policy; the task role none.
        var executionPolicies = (await aws.Iam.ListAttachedRolePoliciesAsync(new Iam.ListAttachedRolePoliciesRequest { RoleName = names.ExecutionRole(MotoServer.Region) })).AttachedPolicies!;
        Assert.Equal("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", Assert.Single(executionPolicies).PolicyArn);
        Assert.Empty((await aws.Iam.ListAttachedRolePoliciesAsync(new Iam.ListAttachedRolePoliciesRequest { RoleName = names.TaskRole(MotoServer.Region) })).AttachedPolicies ?? []);

        // Security groups: the ALB's open on the listener port to IPv4 and IPv6; the service's only from the ALB's, on the container port.
        var groups = await aws.Ec2.DescribeSecurityGroupsByTagsAsync(null, names.SharedTags);
        var albGroup = groups.Single(g => g.GroupName == names.LoadBalancerSecurityGroup);
        var serviceGroup = groups.Single(g => g.GroupName == names.ServiceSecurityGroup);
        Assert.Equal(2, groups.Count);
        Assert.Contains(albGroup.IngressRules, r => r is { Protocol: "tcp", FromPort: 80, ToPort: 80, CidrIpv4: "0.0.0.0/0" });
        Assert.Contains(albGroup.IngressRules, r => r is { Protocol: "tcp", FromPort: 80, ToPort: 80, CidrIpv6: "::/0" });
        var fromAlb = Assert.Single(serviceGroup.IngressRules);
        Assert.Equal((8080, 8080, albGroup.GroupId), (fromAlb.FromPort, fromAlb.ToPort, fromAlb.SourceSecurityGroupId));

        // ALB: internet-facing, dropping invalid header fields (ELB.4); listener on the public port.
        var lb = Assert.Single((await aws.ElbV2.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { Names = [names.LoadBalancer] })).LoadBalancers!);
        Assert.Equal("internet-facing", lb.Scheme);
        Assert.Equal([albGroup.GroupId], lb.SecurityGroups);
        var lbAttributes = (await aws.ElbV2.DescribeLoadBalancerAttributesAsync(new Elb.DescribeLoadBalancerAttributesRequest { LoadBalancerArn = lb.LoadBalancerArn! })).Attributes!;
        Assert.Equal("true", lbAttributes.Single(a => a.Key == LoadBalancerKind.DropInvalidHeaderFieldsAttribute).Value);
        Assert.Equal($"http://{lb.DNSName}:80", service.Url);

        // Target group: ip, container port, health check from the service contract, deregistration delay 30 s.
        var tg = Assert.Single(await ServiceTargetGroupsAsync(aws, names));
        Assert.Equal(("ip", 8080, "HTTP"), (tg.TargetType, tg.Port, tg.Protocol));
        Assert.Matches($"^{names.TargetGroup}-[0-9a-f]{{5}}$", tg.TargetGroupName);
        Assert.Equal(ServiceContract.HealthPath, tg.HealthCheckPath);
        Assert.Equal(10, tg.HealthCheckIntervalSeconds);
        Assert.Equal(2, tg.HealthyThresholdCount);
        Assert.Equal("200", tg.Matcher!.HttpCode);
        var tgAttributes = (await aws.ElbV2.DescribeTargetGroupAttributesAsync(new Elb.DescribeTargetGroupAttributesRequest { TargetGroupArn = tg.TargetGroupArn! })).Attributes!;
        Assert.Equal("30", tgAttributes.Single(a => a.Key == TargetGroupKind.DeregistrationDelayAttribute).Value);
        var listener = Assert.Single((await aws.ElbV2.DescribeListenersAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lb.LoadBalancerArn! })).Listeners!);
        Assert.Equal((80, "HTTP"), (listener.Port, listener.Protocol));
        Assert.Equal(tg.TargetGroupArn, Assert.Single(listener.DefaultActions!).TargetGroupArn);

        // Task definition: Fargate, awsvpc, 256/512, X86_64, image by digest, read-only root, not privileged, stop timeout,
        // environment with PORT, awslogs, both roles.
        var td = (await aws.Ecs.DescribeTaskDefinitionAsync(new Ecs.DescribeTaskDefinitionRequest { TaskDefinition = service.TaskDefinitionArn! })).TaskDefinition!;
        Assert.Equal(("256", "512", "awsvpc"), (td.Cpu, td.Memory, td.NetworkMode));
        Assert.Equal(["FARGATE"], td.RequiresCompatibilities);
        Assert.Equal("X86_64", td.RuntimePlatform!.CpuArchitecture);
        Assert.EndsWith("/" + names.ExecutionRole(MotoServer.Region), td.ExecutionRoleArn);
        Assert.EndsWith("/" + names.TaskRole(MotoServer.Region), td.TaskRoleArn);
        var container = Assert.Single(td.ContainerDefinitions!);
        Assert.Equal(image, container.Image);
        Assert.True(container.ReadonlyRootFilesystem);
        Assert.False(container.Privileged ?? false);
        Assert.Equal((int)ServiceContract.StopTimeout.TotalSeconds, container.StopTimeout);
        Assert.Equal(8080, Assert.Single(container.PortMappings!).ContainerPort);
        Assert.Contains(container.Environment!, e => e.Name == ServiceContract.PortVariable && e.Value == "8080");
        Assert.Equal("awslogs", container.LogConfiguration!.LogDriver);
        Assert.Equal(names.LogGroup, container.LogConfiguration.Options!["awslogs-group"]);
        Assert.Equal("us-east-1", container.LogConfiguration.Options["awslogs-region"]);
        Assert.Equal(names.Resource, container.LogConfiguration.Options["awslogs-stream-prefix"]);

        // Service: Fargate, desired 1, behind the target group, in the service security group.
        var svc = Assert.Single((await aws.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = names.Cluster, Services = [names.Service] })).Services!);
        Assert.Equal(("FARGATE", 1, service.TaskDefinitionArn), (svc.LaunchType, svc.DesiredCount, svc.TaskDefinition));
        Assert.Equal(tg.TargetGroupArn, Assert.Single(svc.LoadBalancers!).TargetGroupArn);
        Assert.Equal([serviceGroup.GroupId], svc.NetworkConfiguration!.AwsvpcConfiguration!.SecurityGroups);
    }

    [Fact]
    public async Task Deploy_CreateServiceRequest_CarriesCircuitBreakerRollbackPercentsAndGrace()
    {
        // moto 5.2 does not report the deployment configuration or grace period back, so the request itself is checked.
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp(), o => o.HealthCheckGracePeriodSeconds = 45);

        await DeployAsync(proxy.Endpoint, deployment, Image(deployment));

        var create = proxy.Captured.Single(r => Operation(r) == "CreateService");
        using var body = System.Text.Json.JsonDocument.Parse(create.Body);
        var root = body.RootElement;
        var config = root.GetProperty("deploymentConfiguration");
        Assert.True(config.GetProperty("deploymentCircuitBreaker").GetProperty("enable").GetBoolean());
        Assert.True(config.GetProperty("deploymentCircuitBreaker").GetProperty("rollback").GetBoolean());
        Assert.Equal(100, config.GetProperty("minimumHealthyPercent").GetInt32());
        Assert.Equal(200, config.GetProperty("maximumPercent").GetInt32());
        Assert.Equal(45, root.GetProperty("healthCheckGracePeriodSeconds").GetInt32());
        Assert.Equal("FARGATE", root.GetProperty("launchType").GetString());
        Assert.Equal("SERVICE", root.GetProperty("propagateTags").GetString());
        Assert.Equal("ENABLED", root.GetProperty("networkConfiguration").GetProperty("awsvpcConfiguration").GetProperty("assignPublicIp").GetString());
    }

    [Fact]
    public async Task Deploy_Again_MakesNoMutatingCallAndSaysNoChanges()
    {
        var moto = await MotoServer.GetAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp(), o => o.AutoScaling = new AutoScalingOptions(1, 3, 60));
        var image = Image(deployment);
        await DeployAsync(moto.Endpoint, deployment, image);

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var log = new StringWriter();
        var summary = await DeployAsync(proxy.Endpoint, deployment, image, log);

        Assert.Empty(MutatingOperations(proxy));
        Assert.Equal(0, summary.MutatingCalls);
        Assert.Equal(16, summary.Changes["unchanged"]);
        Assert.Contains("No changes.", log.ToString());
        Assert.Equal("succeeded", summary.Result);
    }

    [Theory]
    [InlineData("image")]
    [InlineData("environment")]
    [InlineData("cpu/memory")]
    public async Task Deploy_ChangedTaskDefinitionInput_RegistersOneRevisionAndUpdatesTheServiceOnce(string what)
    {
        var moto = await MotoServer.GetAsync();
        var app = PlanSamples.UniqueApp();
        var deployment = PlanSamples.Deployment(app);
        var image = Image(deployment);
        await DeployAsync(moto.Endpoint, deployment, image);

        var changed = what switch
        {
            "environment" => deployment with { Services = [deployment.Services[0] with { Environment = new Dictionary<string, string>(deployment.Services[0].Environment) { ["GREETING"] = "hi" } }] },
            "cpu/memory" => PlanSamples.Deployment(app, o => (o.Cpu, o.MemoryMiB) = (512, 1024)),
            _ => deployment,
        };
        var newImage = what == "image" ? Image(deployment, "v2") : image;
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var summary = await DeployAsync(proxy.Endpoint, changed, newImage);

        Assert.Equal(["RegisterTaskDefinition", "UpdateService"], MutatingOperations(proxy));
        Assert.EndsWith($"{deployment.Services[0].Names.TaskFamily}:2", summary.Services[0].TaskDefinitionArn);
        Assert.Equal(2, summary.Changes["update"]);
        using var aws = await moto.SessionAsync();
        var svc = Assert.Single((await aws.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest
        {
            Cluster = deployment.Services[0].Names.Cluster,
            Services = [deployment.Services[0].Names.Service],
        })).Services!);
        Assert.Equal(summary.Services[0].TaskDefinitionArn, svc.TaskDefinition);
    }

    [Fact]
    public async Task Deploy_DesiredCountAndRetentionChange_UpdatedInPlace()
    {
        var moto = await MotoServer.GetAsync();
        var app = PlanSamples.UniqueApp();
        var deployment = PlanSamples.Deployment(app);
        var image = Image(deployment);
        await DeployAsync(moto.Endpoint, deployment, image);

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var summary = await DeployAsync(proxy.Endpoint, PlanSamples.Deployment(app, o => (o.DesiredCount, o.LogRetentionDays) = (2, 14)), image);

        Assert.Equal(["PutRetentionPolicy", "UpdateService"], MutatingOperations(proxy));
        Assert.Equal((2, 2), (summary.Services[0].RunningCount, summary.Services[0].DesiredCount));
        Assert.EndsWith(":1", summary.Services[0].TaskDefinitionArn);
    }

    [Fact]
    public async Task Deploy_DriftedClusterRoleAndSecurityGroup_ConvergedInPlace()
    {
        var moto = await MotoServer.GetAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        var names = deployment.Services[0].Names;
        var image = Image(deployment);
        await DeployAsync(moto.Endpoint, deployment, image);
        using var aws = await moto.SessionAsync();
        // Drift made by hand: Container Insights off, the execution policy detached, an extra inbound rule on the service group.
        await aws.Ecs.UpdateClusterAsync(new Ecs.UpdateClusterRequest
        {
            Cluster = names.Cluster,
            Settings = [new Ecs.ClusterSetting { Name = Ecs.ClusterSettingName.ContainerInsights, Value = "disabled" }],
        });
        await aws.Iam.DetachRolePolicyAsync(new Iam.DetachRolePolicyRequest { RoleName = names.ExecutionRole(MotoServer.Region), PolicyArn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" });
        var serviceGroup = (await aws.Ec2.DescribeSecurityGroupsByTagsAsync(null, names.SharedTags)).Single(g => g.GroupName == names.ServiceSecurityGroup);
        await aws.Ec2.AuthorizeSecurityGroupIngressAsync(serviceGroup.GroupId, [new Deployer.Aws.Ec2.Ec2IngressRule("tcp", 22, 22, CidrIpv4: "0.0.0.0/0")]);

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var summary = await DeployAsync(proxy.Endpoint, deployment, image);

        Assert.Equal(["AttachRolePolicy", "RevokeSecurityGroupIngress", "UpdateCluster"], MutatingOperations(proxy).Order());
        Assert.Equal(3, summary.Changes["update"]);
        var cluster = (await aws.Ecs.DescribeClustersAsync(new Ecs.DescribeClustersRequest { Clusters = [names.Cluster], Include = [Ecs.ClusterField.Settings] })).Clusters![0];
        Assert.Equal("enabled", cluster.Settings!.Single(s => s.Name == Ecs.ClusterSettingName.ContainerInsights).Value);
        var group = (await aws.Ec2.DescribeSecurityGroupsAsync([serviceGroup.GroupId])).Single();
        Assert.Equal(8080, Assert.Single(group.IngressRules).FromPort);

        await using var again = await FaultProxy.StartAsync(moto.Endpoint);
        await DeployAsync(again.Endpoint, deployment, image);
        Assert.Empty(MutatingOperations(again));
    }

    [Fact]
    public async Task Deploy_EveryOperationThrottledOrUnavailableOnce_StillSucceeds()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var calls = 0;
        proxy.Decide = call => call.Attempt == 1 ? (Interlocked.Increment(ref calls) % 2 == 0 ? Fault.Throttle : Fault.ServiceUnavailable) : Fault.None;
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());

        var summary = await DeployAsync(proxy.Endpoint, deployment, Image(deployment));

        Assert.Equal("succeeded", summary.Result);
        Assert.Equal(2, proxy.CallsTo("CreateService"));
        await AssertNoDuplicatesAsync(moto, deployment);
    }

    [Fact]
    public async Task Deploy_OneCallInFiveThrottledOrUnavailable_StillSucceedsWithoutDuplicates()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        // A fixed seed: the same share of faults on every run, so the test is repeatable, not flaky.
        var random = new Random(20261125);
        var faults = 0;
        proxy.Decide = _ =>
        {
            lock (random)
            {
                var roll = random.NextDouble();
                if (roll >= 0.2)
                {
                    return Fault.None;
                }

                faults++;
                return roll < 0.1 ? Fault.Throttle : Fault.ServiceUnavailable;
            }
        };
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());

        var summary = await DeployAsync(proxy.Endpoint, deployment, Image(deployment));

        Assert.Equal("succeeded", summary.Result);
        Assert.True(faults >= 5, $"only {faults} faults were injected");
        await AssertNoDuplicatesAsync(moto, deployment);
    }

    [Fact]
    public async Task Deploy_AutoScalingOnThenOff_RegistersTargetAndPolicyThenDeregisters()
    {
        var moto = await MotoServer.GetAsync();
        var app = PlanSamples.UniqueApp();
        var deployment = PlanSamples.Deployment(app, o => o.AutoScaling = new AutoScalingOptions(1, 5, 55));
        var image = Image(deployment);
        var names = deployment.Services[0].Names;
        var resourceId = AutoScalingKind.ScalableTargetId(names);
        using var aws = await moto.SessionAsync();

        var summary = await DeployAsync(moto.Endpoint, deployment, image);

        // moto starts every new service with MOTO_ECS_SERVICE_RUNNING (1) task, so the minimum stays 1 here.
        Assert.Equal(1, summary.Services[0].DesiredCount);
        var target = Assert.Single(await aws.AutoScaling.DescribeScalableTargetsItemsAsync(new Deployer.Aws.ApplicationAutoScaling.DescribeScalableTargetsRequest
        {
            ServiceNamespace = Deployer.Aws.ApplicationAutoScaling.ServiceNamespace.Ecs,
            ResourceIds = [resourceId],
        }).ToListAsync());
        Assert.Equal((1, 5), (target.MinCapacity, target.MaxCapacity));
        var policy = Assert.Single(await aws.AutoScaling.DescribeScalingPoliciesItemsAsync(new Deployer.Aws.ApplicationAutoScaling.DescribeScalingPoliciesRequest
        {
            ServiceNamespace = Deployer.Aws.ApplicationAutoScaling.ServiceNamespace.Ecs,
            ResourceId = resourceId,
        }).ToListAsync());
        Assert.Equal(55, policy.TargetTrackingScalingPolicyConfiguration!.TargetValue);
        Assert.Equal("ECSServiceAverageCPUUtilization", policy.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification!.PredefinedMetricType);

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        await DeployAsync(proxy.Endpoint, PlanSamples.Deployment(app), image);

        Assert.Equal(["DeregisterScalableTarget"], MutatingOperations(proxy));
        Assert.Empty(await aws.AutoScaling.DescribeScalableTargetsItemsAsync(new Deployer.Aws.ApplicationAutoScaling.DescribeScalableTargetsRequest
        {
            ServiceNamespace = Deployer.Aws.ApplicationAutoScaling.ServiceNamespace.Ecs,
            ResourceIds = [resourceId],
        }).ToListAsync());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(13)]
    [InlineData(16)]
    [InlineData(17)]
    public async Task Deploy_InterruptedAfterNChangingCalls_RerunConvergesWithoutDuplicates(int survivingCalls)
    {
        var moto = await MotoServer.GetAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        var image = Image(deployment);
        await using (var proxy = await FaultProxy.StartAsync(moto.Endpoint))
        {
            // The first N changing calls go through; from then on every changing call fails (503, retried, then given up):
            // the deploy dies midway as a killed process would leave it.
            var made = 0;
            proxy.Decide = call => IsMutating(call.Operation) && Interlocked.Increment(ref made) > survivingCalls ? Fault.ServiceUnavailable : Fault.None;
            var failed = await Assert.ThrowsAsync<DeployFailedException>(() => DeployAsync(proxy.Endpoint, deployment, image));
            Assert.Equal("failed", failed.Summary.Result);
        }

        var rerun = await DeployAsync(moto.Endpoint, deployment, image);
        Assert.Equal("succeeded", rerun.Result);
        await AssertNoDuplicatesAsync(moto, deployment);

        await using var check = await FaultProxy.StartAsync(moto.Endpoint);
        await DeployAsync(check.Endpoint, deployment, image);
        Assert.Empty(MutatingOperations(check));
    }

    [Theory]
    [InlineData("CreateRepository")]
    [InlineData("CreateLogGroup")]
    [InlineData("CreateRole")]
    [InlineData("CreateSecurityGroup")]
    [InlineData("CreateLoadBalancer")]
    [InlineData("CreateTargetGroup")]
    [InlineData("CreateListener")]
    [InlineData("CreateCluster")]
    [InlineData("RegisterTaskDefinition")]
    [InlineData("CreateService")]
    public async Task Deploy_CreateCarriedOutButItsResponseLost_RetryFindsItWithoutDuplicates(string operation)
    {
        // AWS made the resource, the answer never arrived (a timeout, a dropped connection): the retried create
        // meets the resource it made itself and must take it over, not fail and not make a second one.
        var moto = await MotoServer.GetAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        proxy.Decide = call => call.Operation == operation && call.Attempt == 1 ? Fault.LostResponse : Fault.None;

        var summary = await DeployAsync(proxy.Endpoint, deployment, Image(deployment));

        Assert.Equal("succeeded", summary.Result);
        // Sent, and its answer lost; then either retried into "already exists" or looked up before a retry.
        Assert.True(proxy.CallsTo(operation) >= 1, $"{operation} was never called");
        await AssertNoDuplicatesAsync(moto, deployment);
        await using var check = await FaultProxy.StartAsync(moto.Endpoint);
        await DeployAsync(check.Endpoint, deployment, Image(deployment));
        Assert.Empty(MutatingOperations(check));
    }

    [Fact]
    public async Task Deploy_KilledBetweenRegisterAndServiceUpdate_RerunReusesTheRevision()
    {
        var moto = await MotoServer.GetAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        await DeployAsync(moto.Endpoint, deployment, Image(deployment));
        var newImage = Image(deployment, "v2");
        await using (var proxy = await FaultProxy.StartAsync(moto.Endpoint))
        {
            proxy.Decide = call => call.Operation == "UpdateService" ? Fault.ServiceUnavailable : Fault.None;
            await Assert.ThrowsAsync<DeployFailedException>(() => DeployAsync(proxy.Endpoint, deployment, newImage));
        }

        await using var rerun = await FaultProxy.StartAsync(moto.Endpoint);
        var summary = await DeployAsync(rerun.Endpoint, deployment, newImage);

        Assert.Equal(["UpdateService"], MutatingOperations(rerun));
        Assert.EndsWith(":2", summary.Services[0].TaskDefinitionArn);
        await AssertNoDuplicatesAsync(moto, deployment, revisions: 2);
    }

    [Fact]
    public async Task Deploy_InvalidCpuMemoryPair_MakesNoAwsCallAndListsValidPairs()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp(), o => (o.Cpu, o.MemoryMiB) = (256, 4096));

        var error = await Assert.ThrowsAsync<DeploymentValidationException>(() => DeployAsync(proxy.Endpoint, deployment, Image(deployment)));

        Assert.Contains(error.Problems, p => p.Contains("512", StringComparison.Ordinal));
        Assert.Empty(proxy.Captured);
    }

    [Fact]
    public async Task Deploy_WithTargetHealthRequired_UnderMotoTimesOutNamingTheTargets()
    {
        // The real-AWS check is not weakened: moto never registers healthy targets, so requiring them fails the deploy.
        var moto = await MotoServer.GetAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        var settings = MotoSettings with { Wait = MotoSettings.Wait with { Timeout = TimeSpan.FromSeconds(1), RequireHealthyTargets = true } };

        var failed = await Assert.ThrowsAsync<DeployFailedException>(() => DeployAsync(moto.Endpoint, deployment, Image(deployment), settings: settings));

        Assert.Contains("targets healthy", failed.Message);
        Assert.Contains("Aws:DeployTimeoutMinutes", failed.Message);
        Assert.Equal("failed", failed.Summary.Result);
        Assert.NotNull(failed.Summary.Services[0].TaskDefinitionArn);
    }

    private static async Task AssertNoDuplicatesAsync(MotoServer moto, DeploymentDescription deployment, int revisions = 1)
    {
        var names = deployment.Services[0].Names;
        using var aws = await moto.SessionAsync();
        var clusters = await aws.Ecs.ListClustersItemsAsync(new Ecs.ListClustersRequest()).ToListAsync();
        Assert.Single(clusters, c => c.EndsWith("/" + names.Cluster, StringComparison.Ordinal));
        var services = await aws.Ecs.ListServicesItemsAsync(new Ecs.ListServicesRequest { Cluster = names.Cluster }).ToListAsync();
        Assert.Single(services);
        var families = await aws.Ecs.ListTaskDefinitionsItemsAsync(new Ecs.ListTaskDefinitionsRequest { FamilyPrefix = names.TaskFamily }).ToListAsync();
        Assert.Equal(revisions, families.Count);
        var lbs = await aws.ElbV2.DescribeLoadBalancersItemsAsync(new Elb.DescribeLoadBalancersRequest()).ToListAsync();
        Assert.Single(lbs, l => l.LoadBalancerName == names.LoadBalancer);
        Assert.Single(await ServiceTargetGroupsAsync(aws, names));
        var lb = lbs.Single(l => l.LoadBalancerName == names.LoadBalancer);
        Assert.Single((await aws.ElbV2.DescribeListenersAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lb.LoadBalancerArn! })).Listeners!);
        Assert.Equal(2, (await aws.Ec2.DescribeSecurityGroupsByTagsAsync(null, names.SharedTags)).Count);
    }
}

/// <summary>Changes a deploy can only make by replacing or re-wiring resources.</summary>
public sealed class DeployReplaceIntegrationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Deploy_ContainerPortChange_MakesTheNewTargetGroupFirstAndRetiresTheOldLast()
    {
        var moto = await MotoServer.GetAsync();
        var app = PlanSamples.UniqueApp();
        var deployment = PlanSamples.Deployment(app);
        var image = Image(deployment);
        await DeployAsync(moto.Endpoint, deployment, image);
        var names = deployment.Services[0].Names;
        using var aws = await moto.SessionAsync();
        var old = Assert.Single(await ServiceTargetGroupsAsync(aws, names));

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var log = new StringWriter();
        var summary = await DeployAsync(proxy.Endpoint, PlanSamples.Deployment(app, containerPort: 9090), image, log);

        // Create-before-destroy: the new group and the new port's rule first, the service moved onto them, the
        // listener switched, and only then the old port's rule and the old group removed.
        Assert.Equal((0, 1, 1), (summary.Changes["replace"], summary.Changes["create"], summary.Changes["delete"]));
        var mutations = MutatingOperations(proxy);
        int At(string operation) => mutations.IndexOf(operation);
        Assert.True(At("CreateTargetGroup") < At("UpdateService") && At("AuthorizeSecurityGroupIngress") < At("UpdateService"), string.Join(", ", mutations));
        Assert.True(At("UpdateService") < At("ModifyListener") && At("ModifyListener") < At("RevokeSecurityGroupIngress"), string.Join(", ", mutations));
        Assert.True(At("RevokeSecurityGroupIngress") < At("DeleteTargetGroup"), string.Join(", ", mutations));
        Assert.DoesNotContain("DeleteListener", mutations);
        Assert.Contains("keeps forwarding to the current target group until", log.ToString());
        output.WriteLine(log.ToString());
        var tg = Assert.Single(await ServiceTargetGroupsAsync(aws, names));
        Assert.NotEqual(old.TargetGroupArn, tg.TargetGroupArn);
        Assert.NotEqual(old.TargetGroupName, tg.TargetGroupName);
        Assert.Equal(9090, tg.Port);
        var lb = (await aws.ElbV2.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { Names = [names.LoadBalancer] })).LoadBalancers![0];
        var listener = Assert.Single((await aws.ElbV2.DescribeListenersAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lb.LoadBalancerArn! })).Listeners!);
        Assert.Equal(tg.TargetGroupArn, listener.DefaultActions![0].TargetGroupArn);
        var svc = (await aws.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = names.Cluster, Services = [names.Service] })).Services![0];
        Assert.Equal((tg.TargetGroupArn, 9090), (svc.LoadBalancers![0].TargetGroupArn, svc.LoadBalancers[0].ContainerPort));
        var serviceGroup = (await aws.Ec2.DescribeSecurityGroupsByTagsAsync(null, names.SharedTags)).Single(g => g.GroupName == names.ServiceSecurityGroup);
        Assert.Equal(9090, Assert.Single(serviceGroup.IngressRules).FromPort);

        await using var again = await FaultProxy.StartAsync(moto.Endpoint);
        await DeployAsync(again.Endpoint, PlanSamples.Deployment(app, containerPort: 9090), image);
        Assert.Empty(MutatingOperations(again));
    }

    [Fact]
    public async Task Deploy_WithCertificate_MakesHttpsListenerWithTlsPolicyAndHttpsUrl()
    {
        var moto = await MotoServer.GetAsync();
        var certificate = await RequestCertificateAsync(moto);
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp(), o => o.CertificateArn = certificate, listenerPort: 443);
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);

        var summary = await DeployAsync(proxy.Endpoint, deployment, Image(deployment));

        Assert.StartsWith("https://", summary.Services[0].Url);
        Assert.EndsWith(":443", summary.Services[0].Url);
        var create = proxy.Captured.Single(r => Operation(r) == "CreateListener");
        var form = System.Web.HttpUtility.ParseQueryString(System.Text.Encoding.UTF8.GetString(create.Body));
        Assert.Equal("HTTPS", form["Protocol"]);
        Assert.Equal(ListenerKind.SslPolicy, form["SslPolicy"]);
        Assert.Equal(certificate, form["Certificates.member.1.CertificateArn"]);
    }

    // moto's ELBv2 checks the certificate exists in its ACM: request one there (moto checks no signatures).
    private static async Task<string> RequestCertificateAsync(MotoServer moto)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, moto.Endpoint)
        {
            Content = new StringContent("""{"DomainName":"app.example.com","ValidationMethod":"DNS"}""", System.Text.Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.Add("X-Amz-Target", "CertificateManager.RequestCertificate");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/acm/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return System.Text.Json.Nodes.JsonNode.Parse(body)!["CertificateArn"]!.GetValue<string>();
    }
}

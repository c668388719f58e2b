using System.Text;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;
using Aspire.Deployer.Tests.Verbs;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Verbs;
using Xunit.Abstractions;
using AutoScaling = Aspire.Deployer.Aws.ApplicationAutoScaling;
using Ecr = Aspire.Deployer.Aws.Ecr;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Iam = Aspire.Deployer.Aws.Iam;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>
/// The destroy verb against moto, with every call through a recording proxy. Each test uses its own app name, so
/// the shared moto server can serve other tests at the same time.
/// </summary>
public sealed class DestroyIntegrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Destroy_DeployedApp_RemovesEverythingInReverseOrderAndSparesOthers()
    {
        // Arrange: the app with two services (the model now has only "web": "api" was removed from it), the same app
        // in environment "test2" (a prefix neighbour), and untagged look-alikes named like the app's resources.
        var moto = await MotoServer.GetAsync();
        var app = PlanSamples.UniqueApp();
        var deployed = DestroySamples.Deployment(app, withApi: true);
        var neighbour = DestroySamples.Deployment(app, "test2");
        var web = deployed.Services[0].Names;
        var api = deployed.Services[1].Names;
        string untaggedGroupId;
        using (var direct = await moto.SessionAsync())
        {
            await DestroySamples.DeployAsync(direct, deployed);
            await DestroySamples.DeployAsync(direct, neighbour);
            await direct.Logs.CreateLogGroupAsync(new Logs.CreateLogGroupRequest { LogGroupName = web.LogGroup + "-untagged" });
            await direct.Ecr.CreateRepositoryAsync(new Ecr.CreateRepositoryRequest { RepositoryName = web.Repository + "-untagged" });
            await direct.Iam.CreateRoleAsync(new Iam.CreateRoleRequest { RoleName = $"{web.Service}-x-task", AssumeRolePolicyDocument = TrustPolicy });
            // Another app's tags on a name of this app's: not this app's.
            await direct.Iam.CreateRoleAsync(new Iam.CreateRoleRequest
            {
                RoleName = $"{web.Service}-y-execution",
                AssumeRolePolicyDocument = TrustPolicy,
                Tags = [.. new AwsNames("other", "test", "web").Tags.Select(t => new Iam.Tag { Key = t.Key, Value = t.Value })],
            });
            // The same app and environment deployed in another region: IAM is global, its roles are its own.
            await direct.Iam.CreateRoleAsync(new Iam.CreateRoleRequest
            {
                RoleName = web.ExecutionRole("eu-west-1"),
                AssumeRolePolicyDocument = TrustPolicy,
                Tags = [.. web.Tags.Select(t => new Iam.Tag { Key = t.Key, Value = t.Value })],
            });
            var vpc = (await direct.Ec2.GetDefaultVpcAsync())!.VpcId;
            untaggedGroupId = await direct.Ec2.CreateSecurityGroupAsync($"{web.Cluster}-untagged", "not the app's", vpc);
        }

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        var progress = new RecordingProgress();
        var scope = AppScope.From(deployed with { Services = [deployed.Services[0]] });

        // Act
        var result = await DestroyVerb.RunAsync(session, scope, progress, DestroySamples.Fast).WaitAsync(Timeout);

        output.WriteLine(progress.Text);

        // Assert: everything of both services is gone, checked kind by kind through the API.
        using var check = await moto.SessionAsync();
        await AssertNothingLeftAsync(check, web, api);
        Assert.False(result.NothingToDestroy);
        Assert.Empty(result.Kept);
        Assert.Equal(2, result.Removed.Count(r => r.Kind == Kind.EcsService));
        Assert.Equal(2, result.Removed.Count(r => r.Kind == Kind.AutoScaling));
        Assert.Equal(3, result.Removed.Count(r => r.Kind == Kind.SecurityGroup));
        Assert.Equal(4, result.Removed.Count(r => r.Kind == Kind.IamRole));
        Assert.Contains($"removed ECR repository {api.Repository} with force: its 0 image(s) were deleted with it", progress.Lines);
        Assert.Contains(progress.Lines, l => l == $"removed ECS service {api.Service}");
        Assert.Contains(progress.Lines, l => l.StartsWith($"Destroyed {result.Removed.Count} resource(s) of app '{app}'", StringComparison.Ordinal));

        // Reverse dependency order of the first deletion of each kind; ECR deletion forced.
        var operations = DestroySamples.Operations(proxy);
        string[] order = ["DeregisterScalableTarget", "UpdateService", "DeleteService", "DeregisterTaskDefinition", "DeleteCluster", "DeleteListener",
            "DeleteTargetGroup", "DeleteLoadBalancer", "DeleteSecurityGroup", "DetachRolePolicy", "DeleteRole", "DeleteLogGroup", "DeleteRepository"];
        var firsts = order.Select(o => operations.IndexOf(o)).ToList();
        Assert.All(firsts, i => Assert.True(i >= 0, string.Join(", ", operations)));
        Assert.Equal(firsts.Order(), firsts);
        // The services' security groups go before the load balancer's (the service group's rule references it).
        var groupOrder = result.Removed.Where(r => r.Kind == Kind.SecurityGroup).Select(r => r.Name).ToList();
        Assert.Equal(web.LoadBalancerSecurityGroup, groupOrder[^1]);
        Assert.All(proxy.Captured.Where(r => r.Headers.GetValueOrDefault("X-Amz-Target", "").EndsWith(".DeleteRepository", StringComparison.Ordinal)),
            r => Assert.Contains("\"force\":true", Encoding.UTF8.GetString(r.Body), StringComparison.Ordinal));

        // The neighbour environment and the look-alikes are untouched.
        var neighbourScope = AppScope.From(neighbour);
        var neighbourLeft = await Destroyer.FindAsync(check, Registry.Kinds, neighbourScope);
        Assert.Equal(
            [Kind.AutoScaling, Kind.EcsService, Kind.TaskDefinition, Kind.Cluster, Kind.Listener,
             Kind.TargetGroup, Kind.LoadBalancer, Kind.SecurityGroup, Kind.IamRole, Kind.LogGroup, Kind.EcrRepository],
            neighbourLeft.Resources.Select(r => r.Kind).Distinct());
        Assert.Single(await check.Logs.DescribeLogGroupsItemsAsync(new Logs.DescribeLogGroupsRequest { LogGroupNamePrefix = web.LogGroup + "-untagged" }).ToListAsync());
        Assert.NotNull((await check.Ecr.DescribeRepositoriesAsync(new Ecr.DescribeRepositoriesRequest { RepositoryNames = [web.Repository + "-untagged"] })).Repositories);
        Assert.NotNull((await check.Iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = $"{web.Service}-x-task" })).Role);
        Assert.NotNull((await check.Iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = $"{web.Service}-y-execution" })).Role);
        Assert.NotNull((await check.Iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = web.ExecutionRole("eu-west-1") })).Role);
        Assert.Single(await check.Ec2.DescribeSecurityGroupsAsync([untaggedGroupId]));

        // A second destroy finds nothing, says so, and makes no mutating call.
        await using var second = await FaultProxy.StartAsync(moto.Endpoint);
        using var secondSession = await MotoServer.CreateSessionAsync(second.Endpoint);
        var again = new RecordingProgress();
        var secondResult = await DestroyVerb.RunAsync(secondSession, scope, again, DestroySamples.Fast).WaitAsync(Timeout);
        output.WriteLine(again.Text);
        output.WriteLine(string.Join(", ", DestroySamples.Operations(second)));
        Assert.True(secondResult.NothingToDestroy);
        Assert.Contains(again.Lines, l => l.StartsWith("Nothing to destroy", StringComparison.Ordinal));
        var secondOperations = DestroySamples.Operations(second);
        Assert.NotEmpty(secondOperations);
        Assert.DoesNotContain(secondOperations, DestroySamples.IsMutating);
        Assert.All(secondOperations, o => Assert.Matches(DestroySamples.ReadOnly(), o));
    }

    [Fact]
    public async Task Destroy_PartialDeploy_RemovesWhatExists()
    {
        // Arrange: a deploy that stopped early: repository, log group, execution role (policy attached), the load
        // balancer's security group and the cluster; nothing else.
        var moto = await MotoServer.GetAsync();
        var deployment = DestroySamples.Deployment(PlanSamples.UniqueApp());
        var names = deployment.Services[0].Names;
        var shared = names.SharedTags;
        using (var direct = await moto.SessionAsync())
        {
            await direct.Ecr.CreateRepositoryAsync(new Ecr.CreateRepositoryRequest { RepositoryName = names.Repository, Tags = [.. names.Tags.Select(t => new Ecr.Tag { Key = t.Key, Value = t.Value })] });
            await direct.Logs.CreateLogGroupAsync(new Logs.CreateLogGroupRequest { LogGroupName = names.LogGroup, Tags = names.Tags });
            await direct.Iam.CreateRoleAsync(new Iam.CreateRoleRequest
            {
                RoleName = names.ExecutionRole(MotoServer.Region),
                AssumeRolePolicyDocument = TrustPolicy,
                Tags = [.. names.Tags.Select(t => new Iam.Tag { Key = t.Key, Value = t.Value })],
            });
            await direct.Iam.AttachRolePolicyAsync(new Iam.AttachRolePolicyRequest { RoleName = names.ExecutionRole(MotoServer.Region), PolicyArn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" });
            var vpc = (await direct.Ec2.GetDefaultVpcAsync())!.VpcId;
            await direct.Ec2.CreateSecurityGroupAsync(names.LoadBalancerSecurityGroup, "alb", vpc, shared);
            await direct.Ecs.CreateClusterAsync(new Ecs.CreateClusterRequest { ClusterName = names.Cluster, Tags = [.. shared.Select(t => new Ecs.Tag { Key = t.Key, Value = t.Value })] });
        }

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        var progress = new RecordingProgress();

        // Act
        var result = await DestroyVerb.RunAsync(session, AppScope.From(deployment), progress, DestroySamples.Fast).WaitAsync(Timeout);

        // Assert
        Assert.Equal(
            [Kind.Cluster, Kind.SecurityGroup, Kind.IamRole, Kind.LogGroup, Kind.EcrRepository],
            result.Removed.Select(r => r.Kind));
        Assert.Contains(progress.Lines, l => l.StartsWith("detached AmazonECSTaskExecutionRolePolicy", StringComparison.Ordinal));
        using var check = await moto.SessionAsync();
        await AssertNothingLeftAsync(check, names);
        Assert.True((await Destroyer.FindAsync(check, Registry.Kinds, AppScope.From(deployment))).IsEmpty);
    }

    [Fact]
    public async Task Destroy_SecurityGroupDependencyViolation_RetriesWithBackoffUntilItGoes()
    {
        // moto never refuses DeleteSecurityGroup; the proxy answers the first two as AWS does while the load
        // balancer's network interfaces are still being released.
        var moto = await MotoServer.GetAsync();
        var scope = new AppScope(PlanSamples.UniqueApp(), "test");
        var groupId = await CreateTaggedGroupAsync(moto, scope);
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        proxy.Decide = call => call.Operation == "DeleteSecurityGroup" && call.Attempt <= 2 ? Fault.DependencyViolation : Fault.None;
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        var progress = new RecordingProgress();

        var result = await DestroyVerb.RunAsync(session, scope, progress, DestroySamples.Fast).WaitAsync(Timeout);

        Assert.Equal(3, proxy.CallsTo("DeleteSecurityGroup"));
        Assert.Equal(groupId, Assert.Single(result.Removed).Id);
        Assert.Equal(2, progress.Lines.Count(l => l.Contains("is still in use (DependencyViolation); retrying in", StringComparison.Ordinal)));
        using var check = await moto.SessionAsync();
        Assert.Empty(await check.Ec2.DescribeSecurityGroupsByTagsAsync(null, scope.Tags));
    }

    [Fact]
    public async Task Destroy_DependencyViolationThatNeverClears_StopsWithinTheBoundWithCodeAndAdvice()
    {
        var moto = await MotoServer.GetAsync();
        var scope = new AppScope(PlanSamples.UniqueApp(), "test");
        await CreateTaggedGroupAsync(moto, scope);
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        proxy.Decide = call => call.Operation == "DeleteSecurityGroup" ? Fault.DependencyViolation : Fault.None;
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        var options = DestroySamples.Fast with { DependencyTimeout = TimeSpan.FromMilliseconds(300) };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<DestroyException>(() => DestroyVerb.RunAsync(session, scope, new RecordingProgress(), options).WaitAsync(Timeout));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
        Assert.Equal("DependencyViolation", error.ErrorCode);
        Assert.Equal(Kind.SecurityGroup, error.Resource.Kind);
        Assert.InRange(proxy.CallsTo("DeleteSecurityGroup"), 2, 40);
        Assert.Contains("DependencyViolation", error.Message, StringComparison.Ordinal);
        Assert.Contains("remove that dependency", error.Message, StringComparison.Ordinal);
        Assert.Contains("Run destroy again", error.Message, StringComparison.Ordinal);
        Assert.IsType<AwsApiException>(error.InnerException);
    }

    [Fact]
    public async Task Destroy_ForeignServiceInTheAppsCluster_IsLeftAloneAndSoIsTheCluster()
    {
        var moto = await MotoServer.GetAsync();
        var deployment = DestroySamples.Deployment(PlanSamples.UniqueApp());
        var names = deployment.Services[0].Names;
        using (var direct = await moto.SessionAsync())
        {
            await DestroySamples.DeployAsync(direct, deployment);
            await direct.Ecs.CreateServiceAsync(new Ecs.CreateServiceRequest { Cluster = names.Cluster, ServiceName = "someone-elses", TaskDefinition = names.TaskFamily, DesiredCount = 0 });
        }

        using var session = await moto.SessionAsync();
        var progress = new RecordingProgress();
        var result = await DestroyVerb.RunAsync(session, AppScope.From(deployment), progress, DestroySamples.Fast).WaitAsync(Timeout);

        Assert.True(result.IsIncomplete);
        Assert.Contains(names.Cluster, Assert.Single(result.Kept), StringComparison.Ordinal);
        Assert.DoesNotContain(result.Removed, r => r.Kind == Kind.Cluster);
        Assert.Contains(result.Removed, r => r.Kind == Kind.EcsService && r.Name == names.Service);
        var services = await session.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = names.Cluster, Services = ["someone-elses"] });
        Assert.Equal("ACTIVE", Assert.Single(services.Services ?? []).Status);
        Assert.Contains(progress.Lines, l => l.StartsWith("WARNING: ECS service someone-elses", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Destroy_FirstCallOfEveryOperationAnswers503_RetriesAndRemovesEverything()
    {
        var moto = await MotoServer.GetAsync();
        var deployment = DestroySamples.Deployment(PlanSamples.UniqueApp());
        using (var direct = await moto.SessionAsync())
        {
            await DestroySamples.DeployAsync(direct, deployment);
        }

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        proxy.Decide = FaultProxy.FirstCalls(1, Fault.ServiceUnavailable);
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);

        var result = await DestroyVerb.RunAsync(session, AppScope.From(deployment), new RecordingProgress(), DestroySamples.Fast).WaitAsync(Timeout);

        Assert.Equal(13, result.Removed.Count);
        Assert.True(proxy.CallsTo("DeleteLoadBalancer") >= 2);
        Assert.True(proxy.CallsTo("DeleteSecurityGroup") >= 3);
        using var check = await moto.SessionAsync();
        await AssertNothingLeftAsync(check, deployment.Services[0].Names);
    }

    private const string TrustPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";

    private static async Task<string> CreateTaggedGroupAsync(MotoServer moto, AppScope scope)
    {
        using var direct = await moto.SessionAsync();
        var vpc = (await direct.Ec2.GetDefaultVpcAsync())!.VpcId;
        return await direct.Ec2.CreateSecurityGroupAsync($"{scope.Stack}-alb", "alb", vpc, scope.Tags);
    }

    /// <summary>Looks for every kind of resource of the given services by name, straight through the API.</summary>
    [Theory]
    [InlineData("DeleteService")]
    [InlineData("DeleteCluster")]
    [InlineData("DeleteListener")]
    [InlineData("DeleteLoadBalancer")]
    [InlineData("DeleteTargetGroup")]
    [InlineData("DeleteSecurityGroup")]
    [InlineData("DeleteRole")]
    [InlineData("DeleteLogGroup")]
    [InlineData("DeleteRepository")]
    public async Task Destroy_DeleteCarriedOutButItsAnswerLost_RetryFindsItGoneAndFinishes(string operation)
    {
        // AWS deleted it, the answer never arrived: the retry meets "not found", which means done, not failed.
        var moto = await MotoServer.GetAsync();
        var deployed = DestroySamples.Deployment(PlanSamples.UniqueApp());
        using (var direct = await moto.SessionAsync())
        {
            await DestroySamples.DeployAsync(direct, deployed);
        }

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        proxy.Decide = call => call.Operation == operation && call.Attempt == 1 ? Fault.LostResponse : Fault.None;
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);

        var result = await DestroyVerb.RunAsync(session, AppScope.From(deployed), new RecordingProgress(), DestroySamples.Fast).WaitAsync(Timeout);

        Assert.Empty(result.Kept);
        Assert.True(proxy.CallsTo(operation) >= 1, $"{operation} was never called");
        using var check = await moto.SessionAsync();
        await AssertNothingLeftAsync(check, deployed.Services[0].Names);
    }

    private static async Task AssertNothingLeftAsync(AwsSession session, params AwsNames[] services)
    {
        var first = services[0];
        var clusters = await session.Ecs.DescribeClustersAsync(new Ecs.DescribeClustersRequest { Clusters = [first.Cluster] });
        Assert.DoesNotContain(clusters.Clusters ?? [], c => c.Status != "INACTIVE");
        await AssertAwsErrorAsync("LoadBalancerNotFound", () => session.ElbV2.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { Names = [first.LoadBalancer] }));
        var tags = new AppScope(first.App, first.Environment).Tags;
        Assert.Empty(await session.Ec2.DescribeSecurityGroupsByTagsAsync(null, tags));
        foreach (var names in services)
        {
            try
            {
                var described = await session.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = names.Cluster, Services = [names.Service] });
                Assert.DoesNotContain(described.Services ?? [], s => s.Status != "INACTIVE");
            }
            catch (AwsApiException e) when (e.ErrorCode == "ClusterNotFoundException")
            {
                // gone with its cluster
            }

            Assert.Empty(await session.Ecs.ListTaskDefinitionsItemsAsync(new Ecs.ListTaskDefinitionsRequest { FamilyPrefix = names.TaskFamily, Status = "ACTIVE" }).ToListAsync());
            Assert.Empty(await session.AutoScaling.DescribeScalableTargetsItemsAsync(new AutoScaling.DescribeScalableTargetsRequest
            {
                ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
                ResourceIds = [AutoScalingKind.ScalableTargetId(names)],
            }).ToListAsync());
            Assert.Empty(await ApplyTestKit.ServiceTargetGroupsAsync(session, names));
            await AssertAwsErrorAsync("NoSuchEntity", () => session.Iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = names.ExecutionRole(MotoServer.Region) }));
            await AssertAwsErrorAsync("NoSuchEntity", () => session.Iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = names.TaskRole(MotoServer.Region) }));
            Assert.DoesNotContain(await session.Logs.DescribeLogGroupsItemsAsync(new Logs.DescribeLogGroupsRequest { LogGroupNamePrefix = names.LogGroup }).ToListAsync(), g => g.LogGroupName == names.LogGroup);
            await AssertAwsErrorAsync("RepositoryNotFoundException", () => session.Ecr.DescribeRepositoriesAsync(new Ecr.DescribeRepositoriesRequest { RepositoryNames = [names.Repository] }));
        }
    }

    private static async Task AssertAwsErrorAsync<T>(string code, Func<Task<T>> call)
    {
        var error = await Assert.ThrowsAsync<AwsApiException>(call);
        Assert.Equal(code, error.ErrorCode);
    }
}

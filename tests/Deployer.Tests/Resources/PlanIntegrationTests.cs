using System.Text.RegularExpressions;
using System.Text;
using System.Web;
using Amazon.EC2;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Network;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;
using Aspire.Deployer.Verbs;
using Aspire.Deployer.Tests.Infrastructure;
using Ecr = Aspire.Deployer.Aws.Ecr;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Iam = Aspire.Deployer.Aws.Iam;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;

namespace Aspire.Deployer.Tests.Resources;

/// <summary>
/// The plan verb against moto: every call goes through a recording proxy, so the tests prove the plan is read-only
/// (no Create*, Put*, Register*, Update*, Delete*, Attach*, Modify*, Tag* or other mutating call). Each test uses
/// its own app name, so the shared moto server can serve other tests at the same time.
/// </summary>
public sealed partial class PlanIntegrationTests
{
    [Fact]
    public async Task Plan_EmptyAccount_CreatesEverythingWithReadOnlyCalls()
    {
        var moto = await MotoServer.GetAsync();
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());

        var plan = await PlanVerb.RunAsync(session, deployment, NetworkSettings.Default).WaitAsync(TimeSpan.FromSeconds(30));

        // Everything of the app is created; the account's service-linked roles exist already (MotoServer makes them).
        Assert.Equal(14, plan.Changes.Count);
        Assert.All(plan.Changes, c => Assert.Equal(c.Kind == Kind.ServiceLinkedRole ? ChangeAction.Unchanged : ChangeAction.Create, c.Action));
        Assert.Equal("Plan: 12 to create, 0 to update, 0 to replace, 2 unchanged", plan.Summary);
        Assert.Equal("123456789012", plan.Account);
        Assert.True(plan.Network.IsDefaultVpc);
        Assert.True(plan.Network.Subnets.Select(s => s.AvailabilityZone).Distinct().Count() >= 2);

        var operations = Operations(proxy);
        Assert.DoesNotContain(operations, IsMutating);
        Assert.All(operations, o => Assert.Matches(ReadOnly(), o));
        // It did look: network, identity and every kind of resource.
        Assert.Superset(new HashSet<string>
        {
            "GetCallerIdentity", "DescribeVpcs", "DescribeSubnets", "DescribeRepositories", "DescribeLogGroups", "GetRole",
            "DescribeSecurityGroups", "DescribeTargetGroups", "DescribeLoadBalancers", "DescribeClusters", "DescribeTaskDefinition",
            "DescribeScalableTargets",
        }, operations.ToHashSet());
    }

    private const string MotoAccount = "123456789012";

    [Fact]
    public async Task Plan_SomeResourcesExist_ShowsThemUnchangedOrUpdatedWithReadOnlyCalls()
    {
        var moto = await MotoServer.GetAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        var names = deployment.Services[0].Names;
        var shared = names.SharedTags;
        using (var direct = await moto.SessionAsync())
        {
            // Made directly through the clients: a matching cluster and repository, a log group keeping 7 days instead
            // of 30, an execution role without its policy.
            await direct.Ecs.CreateClusterAsync(new Ecs.CreateClusterRequest
            {
                ClusterName = names.Cluster,
                Settings = [new Ecs.ClusterSetting { Name = Ecs.ClusterSettingName.ContainerInsights, Value = "enabled" }],
                Tags = [.. shared.Select(t => new Ecs.Tag { Key = t.Key, Value = t.Value })],
            });
            await direct.Ecr.CreateRepositoryAsync(new Ecr.CreateRepositoryRequest
            {
                RepositoryName = names.Repository,
                ImageTagMutability = Ecr.ImageTagMutability.Immutable,
                ImageScanningConfiguration = new Ecr.ImageScanningConfiguration { ScanOnPush = true },
                Tags = [.. names.Tags.Select(t => new Ecr.Tag { Key = t.Key, Value = t.Value })],
            });
            await direct.Ecr.PutLifecyclePolicyAsync(new Ecr.PutLifecyclePolicyRequest { RepositoryName = names.Repository, LifecyclePolicyText = EcrLifecyclePolicy.Text });
            await direct.Logs.CreateLogGroupAsync(new Logs.CreateLogGroupRequest { LogGroupName = names.LogGroup, Tags = names.Tags });
            await direct.Logs.PutRetentionPolicyAsync(new Logs.PutRetentionPolicyRequest { LogGroupName = names.LogGroup, RetentionInDays = 7 });
            await direct.Iam.CreateRoleAsync(new Iam.CreateRoleRequest
            {
                RoleName = names.ExecutionRole(MotoServer.Region),
                AssumeRolePolicyDocument = IamRoleKind.TrustPolicy([IamRoleKind.TasksPrincipal], MotoAccount),
                Tags = [.. names.Tags.Select(t => new Iam.Tag { Key = t.Key, Value = t.Value })],
            });
        }

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        var plan = await PlanVerb.RunAsync(session, deployment, NetworkSettings.Default).WaitAsync(TimeSpan.FromSeconds(30));

        var byName = plan.Changes.ToDictionary(c => (c.Kind, c.Name));
        Assert.Equal(ChangeAction.Unchanged, byName[(Kind.Cluster, names.Cluster)].Action);
        Assert.Equal(ChangeAction.Unchanged, byName[(Kind.EcrRepository, names.Repository)].Action);
        var logGroup = byName[(Kind.LogGroup, names.LogGroup)];
        Assert.Equal(ChangeAction.Update, logGroup.Action);
        Assert.Equal("retention 7 → 30", Assert.Single(logGroup.Changes).ToString());
        var role = byName[(Kind.IamRole, names.ExecutionRole(MotoServer.Region))];
        Assert.Equal(ChangeAction.Update, role.Action);
        Assert.Equal("managed policies (none) → AmazonECSTaskExecutionRolePolicy", Assert.Single(role.Changes).ToString());
        Assert.Equal(ChangeAction.Create, byName[(Kind.IamRole, names.TaskRole(MotoServer.Region))].Action);
        Assert.Equal("Plan: 8 to create, 2 to update, 0 to replace, 4 unchanged", plan.Summary);
        Assert.DoesNotContain(Operations(proxy), IsMutating);
    }

    [Fact]
    public async Task Plan_EverythingMadeAsSpecified_AllUnchangedThenAChangeShowsUp()
    {
        var moto = await MotoServer.GetAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp(), o => o.AutoScaling = new AutoScalingOptions(1, 3, 60));
        const string image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:0123";
        using (var direct = await moto.SessionAsync())
        {
            // What the deploy will make, made straight through the clients from the plan's own desired state.
            var first = await PlanVerb.RunAsync(direct, deployment, NetworkSettings.Default);
            await DirectApply.CreateAllAsync(direct, first.Desired!, image);
        }

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var session = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        var plan = await PlanVerb.RunAsync(session, deployment, NetworkSettings.Default).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(!plan.HasChanges, string.Join(Environment.NewLine, plan.ToLines()));
        Assert.Equal("Plan: 0 to create, 0 to update, 0 to replace, 16 unchanged", plan.Summary);
        Assert.DoesNotContain(Operations(proxy), IsMutating);
        var names = deployment.Services[0].Names;
        Assert.NotNull(plan.Current!.Find(Kind.LoadBalancer, names.LoadBalancer)!.Address);
        // moto 5.2.1 leaves the grace period and the deployment configuration out of DescribeServices: the plan
        // does not count them as differences, and says that it could not compare them.
        if (plan.Current.Find(Kind.EcsService, names.Service)!.Unreported is { Count: > 0 })
        {
            Assert.Contains(plan.Changes.Single(c => c.Kind == Kind.EcsService).Notes, n => n.StartsWith("not reported by AWS", StringComparison.Ordinal));
        }

        // The same account, with the image known, a bigger task and a higher autoscaling ceiling in the model.
        var images = new Dictionary<string, string> { ["web"] = image };
        var bigger = PlanSamples.Deployment(deployment.App, o =>
        {
            o.AutoScaling = new AutoScalingOptions(1, 5, 60);
            o.Cpu = 512;
            o.MemoryMiB = 1024;
        });
        var changed = await PlanVerb.RunAsync(session, bigger, NetworkSettings.Default, images);

        var mutations = changed.Changes.Where(c => c.IsMutation).ToList();
        Assert.Equal([Kind.TaskDefinition, Kind.EcsService, Kind.AutoScaling], mutations.Select(c => c.Kind));
        Assert.Equal(["cpu 256 → 512", "memory MiB 512 → 1024"], mutations[0].Changes.Select(c => c.ToString()));
        Assert.Contains($"{names.TaskFamily}:1", mutations[0].Notes.Single());
        Assert.Equal([$"task definition {names.TaskFamily}:1 → new revision"], mutations[1].Changes.Select(c => c.ToString()));
        Assert.Equal(["max tasks 3 → 5"], mutations[2].Changes.Select(c => c.ToString()));
        Assert.DoesNotContain(Operations(proxy), IsMutating);
    }

    [Fact]
    public async Task Plan_NoDefaultVpc_FailsClearlyBeforeReadingResources()
    {
        // A region of its own, whose default VPC this test removes (moto makes one per region).
        const string region = "eu-north-1";
        var moto = await MotoServer.GetAsync();
        using (var ec2 = Ec2(moto, region))
        {
            var vpcs = await ec2.DescribeVpcsAsync(new Amazon.EC2.Model.DescribeVpcsRequest { Filters = [new("is-default", ["true"])] });
            foreach (var vpc in vpcs.Vpcs ?? [])
            {
                var subnets = await ec2.DescribeSubnetsAsync(new Amazon.EC2.Model.DescribeSubnetsRequest { Filters = [new("vpc-id", [vpc.VpcId])] });
                foreach (var subnet in subnets.Subnets ?? [])
                {
                    await ec2.DeleteSubnetAsync(new Amazon.EC2.Model.DeleteSubnetRequest { SubnetId = subnet.SubnetId });
                }

                await ec2.DeleteVpcAsync(new Amazon.EC2.Model.DeleteVpcRequest { VpcId = vpc.VpcId });
            }
        }

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        using var session = await AwsSession.CreateAsync(new AwsSessionOptions
        {
            Region = region,
            Credentials = MotoServer.Credentials,
            EndpointUrl = proxy.Endpoint,
            Environment = AwsEnvironment.FromVariables([]),
            Retry = MotoServer.FastRetry,
        });

        var error = await Assert.ThrowsAsync<DeploymentValidationException>(() => PlanVerb.RunAsync(session, PlanSamples.Deployment(PlanSamples.UniqueApp()), NetworkSettings.Default));

        var problem = Assert.Single(error.Problems);
        Assert.Contains("no default VPC in eu-north-1", problem);
        Assert.Contains("Aws:VpcId", problem);
        Assert.Contains("create-default-vpc", problem);
        Assert.Equal(["GetCallerIdentity", "DescribeVpcs"], Operations(proxy));
    }

    [Fact]
    public async Task Plan_TooFewZones_FailsWithTheFix()
    {
        var moto = await MotoServer.GetAsync();
        string vpcId, subnetA, subnetA2, subnetB;
        using (var ec2 = Ec2(moto, PlanSamples.Region))
        {
            vpcId = (await ec2.CreateVpcAsync(new Amazon.EC2.Model.CreateVpcRequest { CidrBlock = "10.42.0.0/16" })).Vpc.VpcId;
            subnetA = await Subnet(ec2, vpcId, "10.42.1.0/24", "us-east-1a");
            subnetA2 = await Subnet(ec2, vpcId, "10.42.2.0/24", "us-east-1a");
            subnetB = await Subnet(ec2, vpcId, "10.42.3.0/24", "us-east-1b");
        }

        using var session = await moto.SessionAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());

        // Configured subnets all in one zone.
        var oneZone = await Assert.ThrowsAsync<DeploymentValidationException>(() =>
            PlanVerb.RunAsync(session, deployment, new NetworkSettings(vpcId, [subnetA])));
        Assert.Contains($"in 1 availability zone (us-east-1a) only: {subnetA}", oneZone.Problems.Single());
        Assert.Contains("at least 2 availability zones", oneZone.Problems.Single());

        // Two subnets of one zone: a load balancer takes one per zone.
        var sameZone = await Assert.ThrowsAsync<DeploymentValidationException>(() =>
            PlanVerb.RunAsync(session, deployment, new NetworkSettings(vpcId, [subnetA, subnetA2, subnetB])));
        Assert.Contains("are both in us-east-1a", sameZone.Problems.Single());

        // A subnet of another VPC.
        var foreign = await Assert.ThrowsAsync<DeploymentValidationException>(() =>
            PlanVerb.RunAsync(session, deployment, new NetworkSettings(null, [subnetA, subnetB])));
        Assert.All(foreign.Problems, p => Assert.Contains("is not in the VPC", p));

        // An unknown VPC.
        var unknown = await Assert.ThrowsAsync<DeploymentValidationException>(() =>
            PlanVerb.RunAsync(session, deployment, new NetworkSettings("vpc-0123456789abcdef0", [])));
        Assert.Contains("does not exist in us-east-1", unknown.Problems.Single());

        // The VPC alone, without an internet gateway: no public subnet, so no internet-facing load balancer.
        var noGateway = await Assert.ThrowsAsync<DeploymentValidationException>(() => PlanVerb.RunAsync(session, deployment, new NetworkSettings(vpcId, [])));
        Assert.Contains("has no public subnets (a default route to an internet gateway)", noGateway.Problems.Single());

        // Configured subnets that route nowhere: refused, naming the setting.
        var privateOnes = await Assert.ThrowsAsync<DeploymentValidationException>(() => PlanVerb.RunAsync(session, deployment, new NetworkSettings(vpcId, [subnetA, subnetB])));
        Assert.All(privateOnes.Problems, p => Assert.Contains("(Aws:SubnetIds) is not public: its default route goes nowhere", p));
    }

    [Fact]
    public async Task Plan_PublicAndPrivateSubnets_PutsTheLoadBalancerInPublicOnesAndTheTasksBehindNat()
    {
        var moto = await MotoServer.GetAsync();
        string vpcId;
        string[] publicIds, privateIds;
        using (var ec2 = Ec2(moto, PlanSamples.Region))
        {
            vpcId = (await ec2.CreateVpcAsync(new Amazon.EC2.Model.CreateVpcRequest { CidrBlock = "10.43.0.0/16" })).Vpc.VpcId;
            publicIds = [await Subnet(ec2, vpcId, "10.43.1.0/24", "us-east-1a"), await Subnet(ec2, vpcId, "10.43.2.0/24", "us-east-1b")];
            privateIds = [await Subnet(ec2, vpcId, "10.43.11.0/24", "us-east-1a"), await Subnet(ec2, vpcId, "10.43.12.0/24", "us-east-1b")];
            var gateway = (await ec2.CreateInternetGatewayAsync(new Amazon.EC2.Model.CreateInternetGatewayRequest())).InternetGateway.InternetGatewayId;
            await ec2.AttachInternetGatewayAsync(new Amazon.EC2.Model.AttachInternetGatewayRequest { InternetGatewayId = gateway, VpcId = vpcId });
            await RouteAsync(ec2, vpcId, publicIds, gatewayId: gateway);
            var address = (await ec2.AllocateAddressAsync(new Amazon.EC2.Model.AllocateAddressRequest { Domain = Amazon.EC2.DomainType.Vpc })).AllocationId;
            var nat = (await ec2.CreateNatGatewayAsync(new Amazon.EC2.Model.CreateNatGatewayRequest { SubnetId = publicIds[0], AllocationId = address })).NatGateway.NatGatewayId;
            await RouteAsync(ec2, vpcId, privateIds, natGatewayId: nat);
        }

        using var session = await moto.SessionAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());

        // Chosen: the load balancer in the public subnets, the tasks in the private ones, without a public IP.
        var plan = await PlanVerb.RunAsync(session, deployment, new NetworkSettings(vpcId, []));
        Assert.Equal(publicIds, plan.Network.SubnetIds);
        Assert.Equal(privateIds, plan.Network.TaskSubnetIds);
        Assert.False(plan.Network.AssignPublicIp);
        Assert.Equal(publicIds, Assert.Single(plan.Desired!.OfType<LoadBalancerSpec>()).SubnetIds);
        var service = Assert.Single(plan.Desired!.OfType<EcsServiceSpec>());
        Assert.Equal(privateIds, service.SubnetIds);
        Assert.False(service.AssignPublicIp);
        Assert.Contains("tasks in", plan.Network.Describe());

        // Configured the same way: the same answer; the load balancer in private subnets is refused.
        var configured = await PlanVerb.RunAsync(session, deployment, new NetworkSettings(vpcId, [], publicIds, privateIds));
        Assert.Equal(publicIds, configured.Network.SubnetIds);
        Assert.Equal(privateIds, configured.Network.TaskSubnetIds);
        var wrongWay = await Assert.ThrowsAsync<DeploymentValidationException>(() => PlanVerb.RunAsync(session, deployment, new NetworkSettings(vpcId, [], privateIds, publicIds)));
        Assert.All(wrongWay.Problems, p => Assert.Contains("(Aws:LoadBalancerSubnetIds) is not public: its default route goes to a NAT", p));

        // Tasks in a zone the load balancer does not cover could not be reached.
        var otherZone = await OtherZoneSubnetAsync(moto, vpcId);
        var uncovered = await Assert.ThrowsAsync<DeploymentValidationException>(() =>
            PlanVerb.RunAsync(session, deployment, new NetworkSettings(vpcId, [], publicIds, [privateIds[0], otherZone])));
        Assert.Contains("where the load balancer has no subnet", uncovered.Problems.Single());
    }

    private static async Task<string> OtherZoneSubnetAsync(MotoServer moto, string vpcId)
    {
        using var ec2 = Ec2(moto, PlanSamples.Region);
        return await Subnet(ec2, vpcId, "10.43.21.0/24", "us-east-1c");
    }

    private static async Task RouteAsync(AmazonEC2Client ec2, string vpcId, string[] subnets, string? gatewayId = null, string? natGatewayId = null)
    {
        var table = (await ec2.CreateRouteTableAsync(new Amazon.EC2.Model.CreateRouteTableRequest { VpcId = vpcId })).RouteTable.RouteTableId;
        await ec2.CreateRouteAsync(new Amazon.EC2.Model.CreateRouteRequest { RouteTableId = table, DestinationCidrBlock = "0.0.0.0/0", GatewayId = gatewayId, NatGatewayId = natGatewayId });
        foreach (var subnet in subnets)
        {
            await ec2.AssociateRouteTableAsync(new Amazon.EC2.Model.AssociateRouteTableRequest { RouteTableId = table, SubnetId = subnet });
        }
    }

    private static AmazonEC2Client Ec2(MotoServer moto, string region) =>
        new(MotoServer.Credentials, new AmazonEC2Config { ServiceURL = moto.Endpoint.ToString(), AuthenticationRegion = region });

    private static async Task<string> Subnet(AmazonEC2Client ec2, string vpcId, string cidr, string zone) =>
        (await ec2.CreateSubnetAsync(new Amazon.EC2.Model.CreateSubnetRequest { VpcId = vpcId, CidrBlock = cidr, AvailabilityZone = zone })).Subnet.SubnetId;

    /// <summary>The operations that reached the proxy, in order (X-Amz-Target for JSON protocols, Action for Query).</summary>
    private static List<string> Operations(FaultProxy proxy) =>
        proxy.Captured.Select(r =>
        {
            if (r.Headers.TryGetValue("X-Amz-Target", out var target) && target.Length > 0)
            {
                return target[(target.LastIndexOf('.') + 1)..];
            }

            var query = r.Url.Contains('?', StringComparison.Ordinal) ? HttpUtility.ParseQueryString(new Uri(r.Url).Query)["Action"] : null;
            return query ?? HttpUtility.ParseQueryString(Encoding.UTF8.GetString(r.Body))["Action"] ?? $"(unknown {r.Method} {r.Url})";
        }).ToList();

    private static bool IsMutating(string operation) => MutatingPrefix().IsMatch(operation);

    [GeneratedRegex("^(Create|Put|Register|Update|Delete|Deregister|Attach|Detach|Modify|Tag|Untag|Add|Remove|Set|Authorize|Revoke|Start|Stop|Run)")]
    private static partial Regex MutatingPrefix();

    [GeneratedRegex("^(Describe|Get|List)[A-Za-z]+$")]
    private static partial Regex ReadOnly();
}

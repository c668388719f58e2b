using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Network;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;
using Aspire.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Tests.Resources;

public sealed class DesiredStateBuilderTests
{
    [Fact]
    public void Build_Defaults_MatchTheArchitecture()
    {
        var desired = PlanSamples.Desired();

        var repository = Assert.Single(desired.OfType<EcrRepositorySpec>());
        Assert.Equal(("shop/test/web", true, true), (repository.Name, repository.ScanOnPush, repository.ImmutableTags));
        Assert.Equal(30, Assert.Single(desired.OfType<LogGroupSpec>()).RetentionDays);

        var roles = desired.OfType<IamRoleSpec>().ToDictionary(r => r.Name);
        Assert.Equal(["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"], roles["shop-test-web-us-east-1-execution"].ManagedPolicyArns);
        Assert.Empty(roles["shop-test-web-us-east-1-task"].ManagedPolicyArns);
        Assert.All(roles.Values, r => Assert.Equal(["ecs-tasks.amazonaws.com"], r.TrustedServices));

        var groups = desired.OfType<SecurityGroupSpec>().ToDictionary(g => g.Name);
        Assert.Equal(["tcp 80 from 0.0.0.0/0", "tcp 80 from ::/0"], groups["shop-test-alb"].Ingress.Select(r => r.ToString()));
        Assert.Equal(["tcp 8080 from security group shop-test-alb"], groups["shop-test-web-service"].Ingress.Select(r => r.ToString()));
        Assert.All(groups.Values, g => Assert.Equal("vpc-1", g.VpcId));

        var lb = Assert.Single(desired.OfType<LoadBalancerSpec>());
        Assert.Equal(("internet-facing", "application"), (lb.Scheme, lb.Type));
        Assert.Equal("true", lb.Attributes["routing.http.drop_invalid_header_fields.enabled"]);
        Assert.Equal(["subnet-a", "subnet-b"], lb.SubnetIds);
        Assert.DoesNotContain(AwsNames.TagKeys.Resource, lb.Tags.Keys);

        var tg = Assert.Single(desired.OfType<TargetGroupSpec>());
        Assert.Equal(("HTTP", 8080, "ip", "vpc-1"), (tg.Protocol, tg.Port, tg.TargetType, tg.VpcId));
        Assert.Equal(new HealthCheckSpec("HTTP", ServiceContract.HealthPath, ServiceContract.HealthCheck.IntervalSeconds, ServiceContract.HealthCheck.TimeoutSeconds,
            ServiceContract.HealthCheck.HealthyThreshold, ServiceContract.HealthCheck.UnhealthyThreshold, ServiceContract.HealthCheck.SuccessCodes), tg.HealthCheck);
        // The app's drain bound (SHUTDOWN_TIMEOUT_MS, the contract's 10 s when the service declares none), not a fixed 30 s or ELB's 300 s.
        Assert.Equal("10", tg.Attributes["deregistration_delay.timeout_seconds"]);

        var listener = Assert.Single(desired.OfType<ListenerSpec>());
        Assert.Equal((80, "HTTP", null, tg.Name), (listener.Port, listener.Protocol, listener.CertificateArn, listener.TargetGroupName));
        Assert.Matches("^shop-test-web-[0-9a-f]{5}$", tg.Name);

        Assert.Equal("enabled", Assert.Single(desired.OfType<ClusterSpec>()).ContainerInsights);

        var td = Assert.Single(desired.OfType<TaskDefinitionSpec>());
        Assert.Equal((256, 512, "X86_64", "awsvpc", "FARGATE"), (td.Cpu, td.MemoryMiB, td.CpuArchitecture, td.NetworkMode, td.RequiresCompatibilities.Single()));
        Assert.Equal((true, false, (int)ServiceContract.StopTimeout.TotalSeconds), (td.Container.ReadonlyRootFilesystem, td.Container.Privileged, td.Container.StopTimeoutSeconds));
        Assert.Equal("8080", td.Container.Environment["PORT"]);
        Assert.Null(td.Container.Image);
        Assert.Equal(new Dictionary<string, string> { ["awslogs-group"] = "/ecs/shop/test/web", ["awslogs-region"] = "us-east-1", ["awslogs-stream-prefix"] = "web" },
            td.Container.LogOptions);

        var service = Assert.Single(desired.OfType<EcsServiceSpec>());
        // No grace period until the smoke test measures the image (RolloutTimingsTests): what the service has is kept.
        Assert.Equal((1, true, true, 100, 200, (int?)null, true), (service.DesiredCount, service.CircuitBreaker, service.Rollback, service.MinimumHealthyPercent,
            service.MaximumPercent, service.HealthCheckGracePeriodSeconds, service.AssignPublicIp));
        Assert.Empty(desired.OfType<AutoScalingSpec>());
    }

    [Fact]
    public void Build_Options_HttpsArmAutoScalingAndPrivateSubnets()
    {
        const string certificate = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
        var deployment = PlanSamples.Deployment(configure: o =>
        {
            o.CertificateArn = certificate;
            o.Architecture = CpuArchitecture.ARM64;
            o.AutoScaling = new AutoScalingOptions(2, 4, 55);
            o.DesiredCount = 1;
        }, listenerPort: 443);
        var privateNetwork = PlanSamples.Network with { Subnets = [.. PlanSamples.Network.Subnets.Select(s => s with { IsPublic = false })] };

        var desired = PlanSamples.Build(deployment, privateNetwork, new AwsTarget("cn-north-1"));

        var listener = Assert.Single(desired.OfType<ListenerSpec>());
        Assert.Equal((443, "HTTPS", certificate, ListenerKind.SslPolicy), (listener.Port, listener.Protocol, listener.CertificateArn, listener.SslPolicy));
        Assert.Equal("ARM64", Assert.Single(desired.OfType<TaskDefinitionSpec>()).CpuArchitecture);
        var scaling = Assert.Single(desired.OfType<AutoScalingSpec>());
        Assert.Equal(("service/shop-test/shop-test-web", 2, 4, 55.0), (scaling.Name, scaling.MinCount, scaling.MaxCount, scaling.TargetCpuPercent));
        var service = Assert.Single(desired.OfType<EcsServiceSpec>());
        Assert.Equal((2, true, false), (service.DesiredCount, service.DesiredCountManagedByAutoScaling, service.AssignPublicIp));
        Assert.StartsWith("arn:aws-cn:iam::aws:policy/", desired.OfType<IamRoleSpec>().First().ManagedPolicyArns.Single());
        Assert.Contains("without a public IP (private subnets)", privateNetwork.Describe());
    }

    [Fact]
    public void Build_TwoServices_ShareLoadBalancerClusterAndAlbGroup()
    {
        var one = PlanSamples.Deployment();
        var api = one.Services[0] with { Names = new AwsNames("shop", "test", "api"), ListenerPort = 8443, ContainerPort = 3000 };
        var desired = PlanSamples.Desired(one with { Services = [one.Services[0], api] });

        Assert.Single(desired.OfType<LoadBalancerSpec>());
        Assert.Single(desired.OfType<ClusterSpec>());
        Assert.Equal(2, desired.OfType<ListenerSpec>().Count());
        var alb = desired.OfType<SecurityGroupSpec>().Single(g => g.Name == "shop-test-alb");
        Assert.Equal([80, 80, 8443, 8443], alb.Ingress.Select(r => r.FromPort));
        // Dependency order holds across services: every kind's resources come before the next kind's.
        var kinds = desired.Resources.Select(r => Registry.Kinds.ToList().IndexOf(r.Kind)).ToList();
        Assert.Equal(kinds.Order(), kinds);
    }

    [Theory]
    [InlineData("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ecs-tasks.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D", "ecs-tasks.amazonaws.com")]
    [InlineData("""{"Statement":{"Effect":"Allow","Principal":{"Service":["ecs-tasks.amazonaws.com","ec2.amazonaws.com"]},"Action":["sts:AssumeRole"]}}""", "ecs-tasks.amazonaws.com,ec2.amazonaws.com")]
    [InlineData("""{"Statement":[{"Effect":"Deny","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}""", "")]
    [InlineData("not json", "")]
    public void TrustedServices_ReadsIamTrustPolicies(string document, string expected)
    {
        Assert.Equal(expected, string.Join(",", IamRoleKind.TrustedServices(document)));
    }

    [Fact]
    public void PlanSettings_ReadsNetworkRegionAndPlanFile()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Aws:VpcId"] = "vpc-9",
            ["Aws:SubnetIds"] = "subnet-1, subnet-2",
            ["Aws:Region"] = "eu-west-1",
            ["Aws:PlanFile"] = "out/plan.json",
        }).Build();

        var settings = AwsSettings.Bind(configuration).Plan;

        Assert.Equal("vpc-9", settings.Network.VpcId);
        Assert.Equal(["subnet-1", "subnet-2"], settings.Network.SubnetIds);
        Assert.Equal(("eu-west-1", "out/plan.json"), (settings.Region, settings.PlanFile));
        Assert.Equal(NetworkSettings.Default.SubnetIds, AwsSettings.Bind(new ConfigurationBuilder().Build()).Plan.Network.SubnetIds);
    }
}

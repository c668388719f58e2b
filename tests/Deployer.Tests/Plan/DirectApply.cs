using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.Ec2;
using Aspire.Deployer.Plan;
using AutoScaling = Aspire.Deployer.Aws.ApplicationAutoScaling;
using Ecr = Aspire.Deployer.Aws.Ecr;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Iam = Aspire.Deployer.Aws.Iam;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;

namespace Aspire.Deployer.Tests.Plan;

/// <summary>
/// Test-only: makes every resource of a desired state exactly as specified, straight through the clients, so a
/// test can check that reading it back gives the same specs (a plan of all "unchanged"). Not the deploy: no
/// idempotence, no waiting, no ordering beyond what the references need.
/// </summary>
internal static class DirectApply
{
    public static async Task CreateAllAsync(AwsSession session, DesiredState desired, string image)
    {
        var groupIds = new Dictionary<string, string>();
        var roleArns = new Dictionary<string, string>();
        var targetGroupArns = new Dictionary<string, string>();
        string? loadBalancerArn = null;

        foreach (var spec in desired.Resources)
        {
            switch (spec)
            {
                case EcrRepositorySpec r:
                    await session.Ecr.CreateRepositoryAsync(new Ecr.CreateRepositoryRequest
                    {
                        RepositoryName = r.Name,
                        ImageTagMutability = r.ImmutableTags ? Ecr.ImageTagMutability.Immutable : Ecr.ImageTagMutability.Mutable,
                        ImageScanningConfiguration = new Ecr.ImageScanningConfiguration { ScanOnPush = r.ScanOnPush },
                        Tags = [.. r.Tags.Select(t => new Ecr.Tag { Key = t.Key, Value = t.Value })],
                    });
                    break;
                case LogGroupSpec l:
                    await session.Logs.CreateLogGroupAsync(new Logs.CreateLogGroupRequest { LogGroupName = l.Name, Tags = l.Tags });
                    await session.Logs.PutRetentionPolicyAsync(new Logs.PutRetentionPolicyRequest { LogGroupName = l.Name, RetentionInDays = l.RetentionDays!.Value });
                    break;
                case IamRoleSpec role:
                    var trust = System.Text.Json.JsonSerializer.Serialize(new
                    {
                        Version = "2012-10-17",
                        Statement = role.TrustedServices.Select(s => new { Effect = "Allow", Principal = new { Service = s }, Action = "sts:AssumeRole" }),
                    });
                    var created = await session.Iam.CreateRoleAsync(new Iam.CreateRoleRequest
                    {
                        RoleName = role.Name,
                        AssumeRolePolicyDocument = trust,
                        Tags = [.. role.Tags.Select(t => new Iam.Tag { Key = t.Key, Value = t.Value })],
                    });
                    roleArns[role.Name] = created.Role.Arn;
                    foreach (var policy in role.ManagedPolicyArns)
                    {
                        await session.Iam.AttachRolePolicyAsync(new Iam.AttachRolePolicyRequest { RoleName = role.Name, PolicyArn = policy });
                    }

                    break;
                case SecurityGroupSpec g:
                    var groupId = await session.Ec2.CreateSecurityGroupAsync(g.Name, g.Description, g.VpcId, g.Tags);
                    groupIds[g.Name] = groupId;
                    await session.Ec2.AuthorizeSecurityGroupIngressAsync(groupId, [.. g.Ingress.Select(r => ToRule(r, groupIds))]);
                    break;
                case LoadBalancerSpec lb:
                    var balancer = await session.ElbV2.CreateLoadBalancerAsync(new Elb.CreateLoadBalancerRequest
                    {
                        Name = lb.Name,
                        Scheme = lb.Scheme,
                        Type = lb.Type,
                        IpAddressType = lb.IpAddressType,
                        Subnets = lb.SubnetIds,
                        SecurityGroups = [.. lb.SecurityGroupNames.Select(n => groupIds[n])],
                        Tags = [.. lb.Tags.Select(t => new Elb.Tag { Key = t.Key, Value = t.Value })],
                    });
                    loadBalancerArn = balancer.LoadBalancers![0].LoadBalancerArn!;
                    await session.ElbV2.ModifyLoadBalancerAttributesAsync(new Elb.ModifyLoadBalancerAttributesRequest
                    {
                        LoadBalancerArn = loadBalancerArn,
                        Attributes = [.. lb.Attributes.Select(a => new Elb.LoadBalancerAttribute { Key = a.Key, Value = a.Value })],
                    });
                    break;
                case TargetGroupSpec tg:
                    var group = await session.ElbV2.CreateTargetGroupAsync(new Elb.CreateTargetGroupRequest
                    {
                        Name = tg.Name,
                        Protocol = tg.Protocol,
                        Port = tg.Port,
                        VpcId = tg.VpcId,
                        TargetType = tg.TargetType,
                        HealthCheckProtocol = tg.HealthCheck.Protocol,
                        HealthCheckPath = tg.HealthCheck.Path,
                        HealthCheckIntervalSeconds = tg.HealthCheck.IntervalSeconds,
                        HealthCheckTimeoutSeconds = tg.HealthCheck.TimeoutSeconds,
                        HealthyThresholdCount = tg.HealthCheck.HealthyThreshold,
                        UnhealthyThresholdCount = tg.HealthCheck.UnhealthyThreshold,
                        Matcher = new Elb.Matcher { HttpCode = tg.HealthCheck.Matcher },
                        Tags = [.. tg.Tags.Select(t => new Elb.Tag { Key = t.Key, Value = t.Value })],
                    });
                    targetGroupArns[tg.Name] = group.TargetGroups![0].TargetGroupArn!;
                    await session.ElbV2.ModifyTargetGroupAttributesAsync(new Elb.ModifyTargetGroupAttributesRequest
                    {
                        TargetGroupArn = targetGroupArns[tg.Name],
                        Attributes = [.. tg.Attributes.Select(a => new Elb.TargetGroupAttribute { Key = a.Key, Value = a.Value })],
                    });
                    break;
                case ListenerSpec l:
                    await session.ElbV2.CreateListenerAsync(new Elb.CreateListenerRequest
                    {
                        LoadBalancerArn = loadBalancerArn!,
                        Port = l.Port,
                        Protocol = l.Protocol,
                        DefaultActions = [new Elb.AwsAction { Type = Elb.ActionTypeEnum.Forward, TargetGroupArn = targetGroupArns[l.TargetGroupName] }],
                        Tags = [.. l.Tags.Select(t => new Elb.Tag { Key = t.Key, Value = t.Value })],
                    });
                    break;
                case ClusterSpec c:
                    await session.Ecs.CreateClusterAsync(new Ecs.CreateClusterRequest
                    {
                        ClusterName = c.Name,
                        Settings = [new Ecs.ClusterSetting { Name = Ecs.ClusterSettingName.ContainerInsights, Value = c.ContainerInsights }],
                        Tags = [.. c.Tags.Select(t => new Ecs.Tag { Key = t.Key, Value = t.Value })],
                    });
                    break;
                case TaskDefinitionSpec td:
                    var container = td.Container;
                    await session.Ecs.RegisterTaskDefinitionAsync(new Ecs.RegisterTaskDefinitionRequest
                    {
                        Family = td.Name,
                        Cpu = td.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        Memory = td.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        NetworkMode = td.NetworkMode,
                        RequiresCompatibilities = td.RequiresCompatibilities,
                        RuntimePlatform = new Ecs.RuntimePlatform { CpuArchitecture = td.CpuArchitecture, OperatingSystemFamily = td.OperatingSystemFamily },
                        ExecutionRoleArn = roleArns[td.ExecutionRoleName!],
                        TaskRoleArn = roleArns[td.TaskRoleName!],
                        Tags = [.. td.Tags.Select(t => new Ecs.Tag { Key = t.Key, Value = t.Value })],
                        ContainerDefinitions =
                        [
                            new Ecs.ContainerDefinition
                            {
                                Name = container.Name,
                                Image = container.Image ?? image,
                                Essential = container.Essential,
                                ReadonlyRootFilesystem = container.ReadonlyRootFilesystem,
                                Privileged = container.Privileged,
                                StopTimeout = container.StopTimeoutSeconds,
                                PortMappings = [new Ecs.PortMapping { ContainerPort = container.Port, Protocol = Ecs.TransportProtocol.Tcp }],
                                Environment = [.. container.Environment.Select(e => new Ecs.AwsKeyValuePair { Name = e.Key, Value = e.Value })],
                                LogConfiguration = new Ecs.LogConfiguration { LogDriver = container.LogDriver, Options = container.LogOptions },
                            },
                        ],
                    });
                    break;
                case EcsServiceSpec s:
                    await session.Ecs.CreateServiceAsync(new Ecs.CreateServiceRequest
                    {
                        Cluster = s.ClusterName,
                        ServiceName = s.Name,
                        TaskDefinition = s.TaskFamily,
                        LaunchType = s.LaunchType,
                        DesiredCount = s.DesiredCount,
                        NetworkConfiguration = new Ecs.NetworkConfiguration
                        {
                            AwsvpcConfiguration = new Ecs.AwsVpcConfiguration
                            {
                                Subnets = s.SubnetIds,
                                SecurityGroups = [.. s.SecurityGroupNames.Select(n => groupIds[n])],
                                AssignPublicIp = s.AssignPublicIp ? Ecs.AssignPublicIp.Enabled : Ecs.AssignPublicIp.Disabled,
                            },
                        },
                        LoadBalancers = [new Ecs.LoadBalancer { TargetGroupArn = targetGroupArns[s.TargetGroupName!], ContainerName = s.ContainerName, ContainerPort = s.ContainerPort }],
                        HealthCheckGracePeriodSeconds = s.HealthCheckGracePeriodSeconds,
                        DeploymentConfiguration = new Ecs.DeploymentConfiguration
                        {
                            DeploymentCircuitBreaker = new Ecs.DeploymentCircuitBreaker { Enable = s.CircuitBreaker, Rollback = s.Rollback },
                            MinimumHealthyPercent = s.MinimumHealthyPercent,
                            MaximumPercent = s.MaximumPercent,
                        },
                        Tags = [.. s.Tags.Select(t => new Ecs.Tag { Key = t.Key, Value = t.Value })],
                    });
                    break;
                case AutoScalingSpec a:
                    await session.AutoScaling.RegisterScalableTargetAsync(new AutoScaling.RegisterScalableTargetRequest
                    {
                        ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
                        ResourceId = a.Name,
                        ScalableDimension = AutoScaling.ScalableDimension.EcsServiceDesiredCount,
                        MinCapacity = a.MinCount,
                        MaxCapacity = a.MaxCount,
                    });
                    await session.AutoScaling.PutScalingPolicyAsync(new AutoScaling.PutScalingPolicyRequest
                    {
                        PolicyName = a.PolicyName,
                        ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
                        ResourceId = a.Name,
                        ScalableDimension = AutoScaling.ScalableDimension.EcsServiceDesiredCount,
                        PolicyType = AutoScaling.PolicyType.TargetTrackingScaling,
                        TargetTrackingScalingPolicyConfiguration = new AutoScaling.TargetTrackingScalingPolicyConfiguration
                        {
                            TargetValue = a.TargetCpuPercent!.Value,
                            PredefinedMetricSpecification = new AutoScaling.PredefinedMetricSpecification { PredefinedMetricType = AutoScaling.MetricType.ECSServiceAverageCPUUtilization },
                        },
                    });
                    break;
                default:
                    throw new InvalidOperationException($"DirectApply does not make {spec.Kind}.");
            }
        }
    }

    private static Ec2IngressRule ToRule(IngressRuleSpec rule, IReadOnlyDictionary<string, string> groupIds) =>
        rule.Source.StartsWith(IngressRuleSpec.GroupPrefix, StringComparison.Ordinal)
            ? new Ec2IngressRule(rule.Protocol, rule.FromPort, rule.ToPort, SourceSecurityGroupId: groupIds[rule.Source[IngressRuleSpec.GroupPrefix.Length..]])
            : rule.Source.Contains(':', StringComparison.Ordinal)
                ? new Ec2IngressRule(rule.Protocol, rule.FromPort, rule.ToPort, CidrIpv6: rule.Source)
                : new Ec2IngressRule(rule.Protocol, rule.FromPort, rule.ToPort, CidrIpv4: rule.Source);
}

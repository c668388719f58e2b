using Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Integration;

public sealed class ElbV2IntegrationTests
{
    [Fact]
    public async Task ElbV2Operations_RoundTripAgainstMoto()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var elb = session.ElbV2;
        var vpc = (await session.Ec2.GetDefaultVpcAsync())!;
        var subnets = (await session.Ec2.DescribeSubnetsAsync(vpc.VpcId)).GroupBy(s => s.AvailabilityZone).Select(g => g.First().SubnetId).Take(2).ToList();
        var albGroup = await session.Ec2.CreateSecurityGroupAsync(MotoServer.UniqueName("alb"), "alb", vpc.VpcId);
        var otherGroup = await session.Ec2.CreateSecurityGroupAsync(MotoServer.UniqueName("alb2"), "alb2", vpc.VpcId);
        var name = MotoServer.UniqueName("lb");
        Tag[] tags = [new() { Key = "app", Value = "node-app" }];

        var lb = Assert.Single((await elb.CreateLoadBalancerAsync(new CreateLoadBalancerRequest
        {
            Name = name,
            Subnets = subnets,
            SecurityGroups = [albGroup],
            Scheme = LoadBalancerSchemeEnum.InternetFacing,
            Type = LoadBalancerTypeEnum.Application,
            IpAddressType = IpAddressType.Ipv4,
            Tags = tags,
        })).LoadBalancers!);
        var lbArn = lb.LoadBalancerArn!;
        Assert.Equal(vpc.VpcId, lb.VpcId);
        Assert.Equal("internet-facing", lb.Scheme);

        var described = Assert.Single((await elb.DescribeLoadBalancersAsync(new DescribeLoadBalancersRequest { Names = [name] })).LoadBalancers!);
        Assert.Equal(lbArn, described.LoadBalancerArn);
        Assert.False(string.IsNullOrEmpty(described.DNSName));
        Assert.Equal(2, described.AvailabilityZones!.Count);

        var groups = await elb.SetSecurityGroupsAsync(new SetSecurityGroupsRequest { LoadBalancerArn = lbArn, SecurityGroups = [albGroup, otherGroup] });
        Assert.Equal(new[] { albGroup, otherGroup }.Order(StringComparer.Ordinal), groups.SecurityGroupIds!.Order(StringComparer.Ordinal));

        await elb.ModifyLoadBalancerAttributesAsync(new ModifyLoadBalancerAttributesRequest
        {
            LoadBalancerArn = lbArn,
            Attributes = [new LoadBalancerAttribute { Key = "routing.http.drop_invalid_header_fields.enabled", Value = "true" }],
        });
        var lbAttributes = await elb.DescribeLoadBalancerAttributesAsync(new DescribeLoadBalancerAttributesRequest { LoadBalancerArn = lbArn });
        Assert.Contains(lbAttributes.Attributes!, a => a.Key == "routing.http.drop_invalid_header_fields.enabled" && a.Value == "true");

        var tgName = MotoServer.UniqueName("tg");
        var tg = Assert.Single((await elb.CreateTargetGroupAsync(new CreateTargetGroupRequest
        {
            Name = tgName,
            Protocol = ProtocolEnum.Http,
            Port = 4000,
            VpcId = vpc.VpcId,
            TargetType = TargetTypeEnum.Ip,
            HealthCheckPath = "/health",
            HealthCheckIntervalSeconds = 10,
            HealthyThresholdCount = 2,
            Matcher = new Matcher { HttpCode = "200" },
            Tags = tags,
        })).TargetGroups!);
        var tgArn = tg.TargetGroupArn!;
        Assert.Equal(4000, tg.Port);
        Assert.Equal("ip", tg.TargetType);

        var describedTg = Assert.Single((await elb.DescribeTargetGroupsAsync(new DescribeTargetGroupsRequest { TargetGroupArns = [tgArn] })).TargetGroups!);
        Assert.Equal("/health", describedTg.HealthCheckPath);
        Assert.Equal(10, describedTg.HealthCheckIntervalSeconds);
        Assert.Equal("200", describedTg.Matcher!.HttpCode);

        var modified = Assert.Single((await elb.ModifyTargetGroupAsync(new ModifyTargetGroupRequest { TargetGroupArn = tgArn, HealthCheckPath = "/alive", HealthyThresholdCount = 3 })).TargetGroups!);
        Assert.Equal("/alive", modified.HealthCheckPath);
        Assert.Equal(3, modified.HealthyThresholdCount);

        await elb.ModifyTargetGroupAttributesAsync(new ModifyTargetGroupAttributesRequest
        {
            TargetGroupArn = tgArn,
            Attributes = [new TargetGroupAttribute { Key = "deregistration_delay.timeout_seconds", Value = "30" }],
        });
        var tgAttributes = await elb.DescribeTargetGroupAttributesAsync(new DescribeTargetGroupAttributesRequest { TargetGroupArn = tgArn });
        Assert.Contains(tgAttributes.Attributes!, a => a.Key == "deregistration_delay.timeout_seconds" && a.Value == "30");

        var listener = Assert.Single((await elb.CreateListenerAsync(new CreateListenerRequest
        {
            LoadBalancerArn = lbArn,
            Protocol = ProtocolEnum.Http,
            Port = 4000,
            DefaultActions = [new AwsAction { Type = ActionTypeEnum.Forward, TargetGroupArn = tgArn }],
        })).Listeners!);
        var listenerArn = listener.ListenerArn!;
        var listeners = await elb.DescribeListenersItemsAsync(new DescribeListenersRequest { LoadBalancerArn = lbArn }).ToListAsync();
        Assert.Equal(4000, Assert.Single(listeners).Port);
        Assert.Equal(tgArn, Assert.Single(listeners[0].DefaultActions!).TargetGroupArn);

        var modifiedListener = Assert.Single((await elb.ModifyListenerAsync(new ModifyListenerRequest { ListenerArn = listenerArn, Port = 8080 })).Listeners!);
        Assert.Equal(8080, modifiedListener.Port);

        var health = await elb.DescribeTargetHealthAsync(new DescribeTargetHealthRequest { TargetGroupArn = tgArn });
        Assert.Empty(health.TargetHealthDescriptions ?? []);

        await elb.AddTagsAsync(new AddTagsRequest { ResourceArns = [lbArn, tgArn], Tags = [new() { Key = "env", Value = "test" }] });
        var describedTags = await elb.DescribeTagsAsync(new DescribeTagsRequest { ResourceArns = [lbArn, tgArn] });
        Assert.Equal(2, describedTags.TagDescriptions!.Count);
        Assert.All(describedTags.TagDescriptions, d => Assert.Contains(d.Tags!, t => t.Key == "env" && t.Value == "test"));
        await elb.RemoveTagsAsync(new RemoveTagsRequest { ResourceArns = [lbArn], TagKeys = ["env"] });
        var lbTags = Assert.Single((await elb.DescribeTagsAsync(new DescribeTagsRequest { ResourceArns = [lbArn] })).TagDescriptions!);
        Assert.DoesNotContain(lbTags.Tags ?? [], t => t.Key == "env");

        await elb.DeleteListenerAsync(new DeleteListenerRequest { ListenerArn = listenerArn });
        Assert.Empty(await elb.DescribeListenersItemsAsync(new DescribeListenersRequest { LoadBalancerArn = lbArn }).ToListAsync());
        await elb.DeleteTargetGroupAsync(new DeleteTargetGroupRequest { TargetGroupArn = tgArn });
        await elb.DeleteLoadBalancerAsync(new DeleteLoadBalancerRequest { LoadBalancerArn = lbArn });
        var gone = await Assert.ThrowsAsync<AwsApiException>(() => elb.DescribeLoadBalancersAsync(new DescribeLoadBalancersRequest { Names = [name] }));
        Assert.Equal("LoadBalancerNotFound", gone.ErrorCode);
    }

    [Fact]
    public async Task DescribeLoadBalancers_WithASmallPageSize_ReadsEveryPage()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var vpc = (await session.Ec2.GetDefaultVpcAsync())!;
        var subnets = (await session.Ec2.DescribeSubnetsAsync(vpc.VpcId)).GroupBy(s => s.AvailabilityZone).Select(g => g.First().SubnetId).Take(2).ToList();
        var names = Enumerable.Range(0, 3).Select(_ => MotoServer.UniqueName("page")).ToList();
        foreach (var name in names)
        {
            await session.ElbV2.CreateLoadBalancerAsync(new CreateLoadBalancerRequest { Name = name, Subnets = subnets });
        }

        var pages = await session.ElbV2.DescribeLoadBalancersPagesAsync(new DescribeLoadBalancersRequest { PageSize = 1 }).ToListAsync();
        var all = pages.SelectMany(p => p.LoadBalancers ?? []).Select(l => l.LoadBalancerName).ToList();

        Assert.True(pages.Count >= 3, $"expected at least 3 pages, got {pages.Count}");
        Assert.All(pages, p => Assert.True((p.LoadBalancers?.Count ?? 0) <= 1));
        Assert.Superset(names.ToHashSet(), all.ToHashSet()!);
    }

    [Fact]
    public async Task ListenerRules_RoundTripAgainstMoto()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var elb = session.ElbV2;
        var vpc = (await session.Ec2.GetDefaultVpcAsync())!;
        var subnets = (await session.Ec2.DescribeSubnetsAsync(vpc.VpcId)).GroupBy(s => s.AvailabilityZone).Select(g => g.First().SubnetId).Take(2).ToList();
        var lbArn = (await elb.CreateLoadBalancerAsync(new CreateLoadBalancerRequest { Name = MotoServer.UniqueName("rules"), Subnets = subnets })).LoadBalancers![0].LoadBalancerArn!;
        var tgArn = (await elb.CreateTargetGroupAsync(new CreateTargetGroupRequest
        {
            Name = MotoServer.UniqueName("rtg"), Protocol = ProtocolEnum.Http, Port = 4000, VpcId = vpc.VpcId, TargetType = TargetTypeEnum.Ip,
        })).TargetGroups![0].TargetGroupArn!;
        var listenerArn = (await elb.CreateListenerAsync(new CreateListenerRequest
        {
            LoadBalancerArn = lbArn,
            Protocol = ProtocolEnum.Http,
            Port = 80,
            DefaultActions = [new AwsAction
            {
                Type = ActionTypeEnum.FixedResponse,
                FixedResponseConfig = new FixedResponseActionConfig { StatusCode = "404", ContentType = "text/plain", MessageBody = "Not found" },
            }],
        })).Listeners![0].ListenerArn!;

        var rule = Assert.Single((await elb.CreateRuleAsync(new CreateRuleRequest
        {
            ListenerArn = listenerArn,
            Priority = 41234,
            Conditions =
            [
                new RuleCondition { Field = "host-header", HostHeaderConfig = new HostHeaderConditionConfig { Values = ["app.example.com"] } },
                new RuleCondition { Field = "path-pattern", PathPatternConfig = new PathPatternConditionConfig { Values = ["/api", "/api/*"] } },
            ],
            Actions = [new AwsAction { Type = ActionTypeEnum.Forward, TargetGroupArn = tgArn }],
            Tags = [new Tag { Key = "aspire:resource", Value = "api" }],
        })).Rules!);
        var ruleArn = rule.RuleArn!;

        var rules = await elb.DescribeRulesItemsAsync(new DescribeRulesRequest { ListenerArn = listenerArn }).ToListAsync();
        Assert.Equal(2, rules.Count);
        Assert.True(Assert.Single(rules, r => r.IsDefault == true).Priority == "default");
        var read = Assert.Single(rules, r => r.RuleArn == ruleArn);
        Assert.Equal("41234", read.Priority);
        Assert.Equal(["app.example.com"], Assert.Single(read.Conditions!, c => c.Field == "host-header").HostHeaderConfig!.Values!);
        Assert.Equal(["/api", "/api/*"], Assert.Single(read.Conditions!, c => c.Field == "path-pattern").PathPatternConfig!.Values!);
        Assert.Equal(tgArn, Assert.Single(read.Actions!).TargetGroupArn);
        var tags = Assert.Single((await elb.DescribeTagsAsync(new DescribeTagsRequest { ResourceArns = [ruleArn] })).TagDescriptions!);
        Assert.Contains(tags.Tags!, t => t.Key == "aspire:resource" && t.Value == "api");

        var modified = Assert.Single((await elb.ModifyRuleAsync(new ModifyRuleRequest
        {
            RuleArn = ruleArn,
            Conditions = [new RuleCondition { Field = "host-header", HostHeaderConfig = new HostHeaderConditionConfig { Values = ["api.example.com"] } }],
        })).Rules!);
        Assert.Equal("api.example.com", Assert.Single(Assert.Single(modified.Conditions!).HostHeaderConfig!.Values!));
        var moved = Assert.Single((await elb.SetRulePrioritiesAsync(new SetRulePrioritiesRequest
        {
            RulePriorities = [new RulePriorityPair { RuleArn = ruleArn, Priority = 37000 }],
        })).Rules!);
        Assert.Equal("37000", moved.Priority);

        await elb.DeleteRuleAsync(new DeleteRuleRequest { RuleArn = ruleArn });
        Assert.True(Assert.Single(await elb.DescribeRulesItemsAsync(new DescribeRulesRequest { ListenerArn = listenerArn }).ToListAsync()).IsDefault);
        await elb.DeleteListenerAsync(new DeleteListenerRequest { ListenerArn = listenerArn });
        await elb.DeleteTargetGroupAsync(new DeleteTargetGroupRequest { TargetGroupArn = tgArn });
        await elb.DeleteLoadBalancerAsync(new DeleteLoadBalancerRequest { LoadBalancerArn = lbArn });
    }

    [Fact]
    public async Task MissingTargetGroup_GivesTargetGroupNotFound()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/missing/0123456789abcdef";

        var error = await Assert.ThrowsAsync<AwsApiException>(() => session.ElbV2.DescribeTargetGroupsAsync(new DescribeTargetGroupsRequest { TargetGroupArns = [arn] }));

        Assert.Equal("TargetGroupNotFound", error.ErrorCode);
        Assert.Equal("ELBv2", error.Service);
        Assert.Equal("DescribeTargetGroups", error.Operation);
        Assert.Equal(400, error.HttpStatus);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
    }
}

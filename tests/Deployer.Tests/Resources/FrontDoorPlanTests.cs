using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Network;
using Aspire.Deployer.Resources;
using Aspire.ServiceDefaults;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;

namespace Aspire.Deployer.Tests.Resources;

/// <summary>Samples of deployments with a front door (<c>Aws:Domain</c>).</summary>
internal static class FrontDoorSamples
{
    public static readonly HostedZoneRef Zone = new("Z0EXAMPLE", "example.com");

    public static FrontDoor Door(string domain = "app.example.com", string? certificateArn = null) =>
        new(domain, null, certificateArn, FrontDoor.DefaultSslPolicy, TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(1)) { Zone = Zone };

    public static ServiceDescription Service(string resource, Action<EcsServiceOptions>? configure = null, string app = "shop", int port = 4000)
    {
        var options = new EcsServiceOptions();
        configure?.Invoke(options);
        return new ServiceDescription(new AwsNames(app, "test", resource), new ImageSource("/src", "/src/Dockerfile", new Dictionary<string, string>()),
            port, port, ServiceContract.HealthPath, new Dictionary<string, string> { ["PORT"] = "4000" }, FargateSize.Default, options);
    }

    public static DeploymentDescription Deployment(FrontDoor? door, params ServiceDescription[] services) =>
        new(services.Length > 0 ? services[0].Names.App : "shop", "test", services, door);

    public static DesiredState Desired(FrontDoor? door, params ServiceDescription[] services) => PlanSamples.Desired(Deployment(door, services));

    public static DesiredState AppAndApi() => Desired(Door(), Service("node-app", o => o.Host = "app.example.com"), Service("api", o => o.Host = "api.example.com"));
}

public sealed class FrontDoorPlanTests
{
    [Fact]
    public void TwoServicesOnHosts_OneCertificateForBothTwoRecordsTwoListenersTwoRulesAndNoPortListener()
    {
        var desired = FrontDoorSamples.AppAndApi();

        var certificate = Assert.Single(desired.OfType<CertificateSpec>());
        Assert.Equal(["app.example.com", "api.example.com"], certificate.Names);
        Assert.Equal(("Z0EXAMPLE", "ISSUED"), (certificate.ZoneId, certificate.Status));
        Assert.Equal(["api.example.com A", "app.example.com A"], desired.OfType<DnsRecordSpec>().Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.All(desired.OfType<DnsRecordSpec>(), r => Assert.Equal(("load balancer shop-test", true), (r.Target, r.EvaluateTargetHealth)));
        var listeners = desired.OfType<FrontDoorListenerSpec>().ToDictionary(l => l.Port);
        Assert.Equal(("HTTPS", certificate.Name, FrontDoor.DefaultSslPolicy, FrontDoorListenerKind.NotFound),
            (listeners[443].Protocol, listeners[443].Certificate, listeners[443].SslPolicy, listeners[443].DefaultAction));
        Assert.Equal(("HTTP", null, FrontDoorListenerKind.RedirectToHttps), (listeners[80].Protocol, listeners[80].Certificate, listeners[80].DefaultAction));
        var rules = desired.OfType<ListenerRuleSpec>().ToDictionary(r => r.Owner!);
        string GroupOf(string resource) => TargetGroupKind.NameOf(desired.Deployment.Services.Single(s => s.Names.Resource == resource), desired.Network.VpcId);
        Assert.Equal(("app.example.com", null, GroupOf("node-app")), (rules["node-app"].Host, rules["node-app"].PathPrefix, rules["node-app"].TargetGroupName));
        Assert.Equal(("api.example.com", GroupOf("api")), (rules["api"].Host, rules["api"].TargetGroupName));
        Assert.StartsWith("shop-test-api-", GroupOf("api"), StringComparison.Ordinal);
        Assert.NotEqual(rules["api"].Priority, rules["node-app"].Priority);
        Assert.Empty(desired.OfType<ListenerSpec>());
        Assert.Equal(2, desired.OfType<TargetGroupSpec>().Count());
        Assert.Single(desired.OfType<LoadBalancerSpec>());
    }

    [Fact]
    public void InternalService_IsNotBehindTheFrontDoor_NoRuleRecordOrCertificateNameAndNoClashWithTheDomainRoot()
    {
        // api has no external endpoint: its callers reach it through Service Connect, the internet not at all.
        var api = FrontDoorSamples.Service("api", port: 5000) with { IsExternal = false };
        var deployment = FrontDoorSamples.Deployment(FrontDoorSamples.Door(), FrontDoorSamples.Service("node-app"), api);

        Assert.Empty(DeploymentValidator.Problems(deployment));
        var desired = PlanSamples.Desired(deployment);
        Assert.Equal(["node-app"], desired.OfType<ListenerRuleSpec>().Select(r => r.Owner));
        Assert.Equal(["app.example.com"], Assert.Single(desired.OfType<CertificateSpec>()).Names);
        Assert.Equal(["app.example.com A"], desired.OfType<DnsRecordSpec>().Select(r => r.Name));
        Assert.DoesNotContain(desired.OfType<TargetGroupSpec>(), g => g.Owner == "api");
    }

    [Fact]
    public void FrontDoor_OpensTheLoadBalancersGroupOn80And443Only()
    {
        var desired = FrontDoorSamples.AppAndApi();

        var alb = desired.OfType<SecurityGroupSpec>().Single(g => g.Owner is null);

        Assert.Equal(["tcp 443 from 0.0.0.0/0", "tcp 443 from ::/0", "tcp 80 from 0.0.0.0/0", "tcp 80 from ::/0"], alb.Ingress.Select(r => r.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void WithoutDomain_NothingOfTheFrontDoorAndAListenerPortPerService()
    {
        var desired = FrontDoorSamples.Desired(null, FrontDoorSamples.Service("node-app"), FrontDoorSamples.Service("api", port: 5000));

        Assert.Empty(desired.OfType<CertificateSpec>());
        Assert.Empty(desired.OfType<DnsRecordSpec>());
        Assert.Empty(desired.OfType<FrontDoorListenerSpec>());
        Assert.Empty(desired.OfType<ListenerRuleSpec>());
        Assert.Equal([4000, 5000], desired.OfType<ListenerSpec>().Select(l => l.Port).Order());
        Assert.Equal(["tcp 4000 from 0.0.0.0/0", "tcp 4000 from ::/0", "tcp 5000 from 0.0.0.0/0", "tcp 5000 from ::/0"],
            desired.OfType<SecurityGroupSpec>().Single(g => g.Owner is null).Ingress.Select(r => r.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GivenCertificate_IsUsedAsItIsAndNoneIsRequested()
    {
        const string arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
        var desired = FrontDoorSamples.Desired(FrontDoorSamples.Door(certificateArn: arn), FrontDoorSamples.Service("node-app"));

        Assert.Empty(desired.OfType<CertificateSpec>());
        Assert.Equal(arn, desired.OfType<FrontDoorListenerSpec>().Single(l => l.Port == 443).Certificate);
        Assert.Equal("app.example.com A", Assert.Single(desired.OfType<DnsRecordSpec>()).Name);
    }

    [Fact]
    public void DeeperPathPrefixes_GetLowerPrioritiesSoTheyAreMatchedFirst()
    {
        var desired = FrontDoorSamples.Desired(FrontDoorSamples.Door(),
            FrontDoorSamples.Service("site"), FrontDoorSamples.Service("api", o => o.PathPrefix = "/api/"), FrontDoorSamples.Service("v2", o => o.PathPrefix = "/api/v2"));

        var rules = desired.OfType<ListenerRuleSpec>().ToDictionary(r => r.Owner!);

        Assert.True(rules["v2"].Priority < rules["api"].Priority && rules["api"].Priority < rules["site"].Priority);
        Assert.Equal(("/api", 1), (rules["api"].PathPrefix, ListenerRuleKind.DepthOf(rules["api"].Priority)));
        Assert.Equal(2, ListenerRuleKind.DepthOf(rules["v2"].Priority));
        Assert.All(rules.Values, r => Assert.InRange(r.Priority, 1, 50000));
        Assert.All(rules.Values, r => Assert.Equal("app.example.com", r.Host));
    }

    [Fact]
    public void Priority_IsTheNamesSlotAndTheSameOnEveryRun()
    {
        var first = FrontDoorSamples.Desired(FrontDoorSamples.Door(), FrontDoorSamples.Service("node-app")).OfType<ListenerRuleSpec>().Single();
        var again = FrontDoorSamples.Desired(FrontDoorSamples.Door(), FrontDoorSamples.Service("node-app")).OfType<ListenerRuleSpec>().Single();

        Assert.Equal(ListenerRuleKind.BandStart(0) + ListenerRuleKind.Slot("node-app"), first.Priority);
        Assert.Equal(first.Priority, again.Priority);
    }

    [Fact]
    public void AddingAService_WhoseSlotCollides_GetsTheNextFreeOneAndTheExistingRuleIsUnchanged()
    {
        var (existing, newcomer) = CollidingNames();
        var before = FrontDoorSamples.Desired(FrontDoorSamples.Door(), FrontDoorSamples.Service(existing));
        var current = PlanSamples.Matching(before);

        var after = FrontDoorSamples.Desired(FrontDoorSamples.Door(),
            FrontDoorSamples.Service(existing), FrontDoorSamples.Service(newcomer, o => o.Host = "api.example.com"));
        var changes = Planner.Compute(after, new CurrentState(current));

        var rules = after.OfType<ListenerRuleSpec>().ToDictionary(r => r.Owner!);
        Assert.NotEqual(rules[existing].Priority, rules[newcomer].Priority);
        Assert.Equal(ListenerRuleKind.Slot(existing), ListenerRuleKind.Slot(newcomer));
        Assert.Equal(ChangeAction.Unchanged, changes.Single(c => c.Kind == Kind.ListenerRule && c.Owner == existing).Action);
        Assert.Equal(ChangeAction.Create, changes.Single(c => c.Kind == Kind.ListenerRule && c.Owner == newcomer).Action);
    }

    [Fact]
    public void ExistingRule_KeepsItsPriorityWhileInItsBand_AndMovesWhenItsPrefixDepthChanges()
    {
        var desired = FrontDoorSamples.Desired(FrontDoorSamples.Door(), FrontDoorSamples.Service("node-app"));
        var elsewhere = PlanSamples.Matching(desired).With<ListenerRuleSpec>(r => r with { Priority = ListenerRuleKind.BandStart(0) + 7 });
        var deeper = FrontDoorSamples.Desired(FrontDoorSamples.Door(), FrontDoorSamples.Service("node-app", o => o.PathPrefix = "/shop"));

        var same = Planner.Compute(desired, new CurrentState(elsewhere));
        var moved = Planner.Compute(deeper, new CurrentState(elsewhere));

        Assert.All(same, c => Assert.Equal(ChangeAction.Unchanged, c.Action));
        var rule = moved.Single(c => c.Kind == Kind.ListenerRule);
        Assert.Equal(ChangeAction.Update, rule.Action);
        Assert.Equal(["path prefix", "priority"], rule.Changes.Select(c => c.Property));
    }

    [Fact]
    public void EverythingMatches_NoChange()
    {
        var desired = FrontDoorSamples.AppAndApi();

        var changes = Planner.Compute(desired, new CurrentState(PlanSamples.Matching(desired)));

        Assert.All(changes, c => Assert.Equal(ChangeAction.Unchanged, c.Action));
    }

    [Theory]
    [InlineData("PENDING_VALIDATION", ChangeAction.Update)]
    [InlineData("FAILED", ChangeAction.Replace)]
    [InlineData("VALIDATION_TIMED_OUT", ChangeAction.Replace)]
    [InlineData("ISSUED", ChangeAction.Unchanged)]
    public void Certificate_PendingIsValidatedInPlace_FailedIsRequestedAgain(string status, ChangeAction action)
    {
        var desired = FrontDoorSamples.AppAndApi();
        var current = PlanSamples.Matching(desired).With<CertificateSpec>(c => c with { Status = status });

        var change = Planner.Compute(desired, new CurrentState(current)).Single(c => c.Kind == Kind.Certificate);

        Assert.Equal(action, change.Action);
    }

    [Fact]
    public void NewHost_IsANewCertificate_AndTheOldOneIsDeletedAfterTheListenerMoved()
    {
        var before = FrontDoorSamples.Desired(FrontDoorSamples.Door(), FrontDoorSamples.Service("node-app"));
        var after = FrontDoorSamples.AppAndApi();

        var changes = Planner.Compute(after, new CurrentState(PlanSamples.Matching(before)));

        var created = changes.Single(c => c.Kind == Kind.Certificate && c.Action == ChangeAction.Create);
        Assert.Equal("app.example.com, api.example.com", created.Name);
        var listener = changes.Single(c => c.Kind == Kind.FrontDoorListener && c.Name == "shop-test:443");
        Assert.Equal("certificate app.example.com → app.example.com, api.example.com", Assert.Single(listener.Changes).ToString());
        var deleted = changes.Single(c => c.Kind == Kind.Certificate && c.Action == ChangeAction.Delete);
        Assert.Equal("app.example.com", deleted.Name);
        Assert.True(changes.ToList().IndexOf(deleted) > changes.ToList().IndexOf(listener));
    }

    [Fact]
    public void ServiceRemoved_ItsRuleIsDeletedBeforeAnythingElse()
    {
        var before = FrontDoorSamples.AppAndApi();
        var after = FrontDoorSamples.Desired(FrontDoorSamples.Door(), FrontDoorSamples.Service("node-app", o => o.Host = "app.example.com"));

        var changes = Planner.Compute(after, new CurrentState(PlanSamples.Matching(before)));

        var deletions = changes.Where(c => c.Action == ChangeAction.Delete).ToList();
        Assert.Equal(Kind.ListenerRule, deletions[0].Kind);
        Assert.Equal("shop-test:443 api", deletions[0].Name);
        Assert.Contains(deletions, d => d.Kind == Kind.DnsRecord && d.Name == "api.example.com A");
    }

    [Fact]
    public void ListenerActions_ReadAsThePlanShowsThem()
    {
        Elb.AwsAction redirect = new() { Type = "redirect", RedirectConfig = new() { Protocol = "HTTPS", Port = "443", StatusCode = "HTTP_301", Host = "#{host}", Path = "/#{path}", Query = "#{query}" } };
        Elb.AwsAction elsewhere = new() { Type = "redirect", RedirectConfig = new() { Protocol = "HTTPS", Port = "443", StatusCode = "HTTP_301", Host = "other.example.com" } };
        Elb.AwsAction notFound = new() { Type = "fixed-response", FixedResponseConfig = new() { StatusCode = "404" } };

        Assert.Equal(FrontDoorListenerKind.RedirectToHttps, FrontDoorListenerKind.DescribeAction([redirect]));
        Assert.Equal(FrontDoorListenerKind.NotFound, FrontDoorListenerKind.DescribeAction([notFound]));
        Assert.Equal("redirect", FrontDoorListenerKind.DescribeAction([elsewhere]));
    }

    [Fact]
    public void RuleConditions_AreReadBackAsHostAndPrefix()
    {
        var rule = new Elb.Rule
        {
            Conditions =
            [
                new() { Field = "host-header", HostHeaderConfig = new() { Values = ["api.example.com"] } },
                new() { Field = "path-pattern", PathPatternConfig = new() { Values = ["/v1", "/v1/*"] } },
            ],
        };

        Assert.Equal(("api.example.com", "/v1"), ListenerRuleKind.Conditions(rule));
    }

    [Theory]
    [InlineData("dualstack.shop-test-1234567890.us-east-1.elb.amazonaws.com.", true)]
    [InlineData("shop-test-1.us-east-1.elb.amazonaws.com", true)]
    [InlineData("shop-test-2-1234.us-east-1.elb.amazonaws.com", false)]
    [InlineData("d111111abcdef8.cloudfront.net", false)]
    public void AliasTargets_AreTheAppsWhenTheyNameItsLoadBalancer(string alias, bool ours) =>
        Assert.Equal(ours, DnsRecordKind.PointsAt(alias, "shop-test", null));

    [Theory]
    [InlineData("app.example.com", "app.example.com", true)]
    [InlineData("*.example.com", "api.example.com", true)]
    [InlineData("*.example.com", "a.b.example.com", false)]
    [InlineData("example.com", "app.example.com", false)]
    public void GivenCertificate_CoversExactNamesAndOneLevelWildcards(string name, string host, bool covers) =>
        Assert.Equal(covers, FrontDoorResolver.Covers([name], host));

    [Fact]
    public void ZoneCandidates_AreTheDomainAndItsParentsDownToTwoLabels()
    {
        Assert.Equal(["app.shop.example.co.uk", "shop.example.co.uk", "example.co.uk", "co.uk"], FrontDoor.ZoneCandidates("app.shop.example.co.uk"));
        Assert.Equal(["example.com"], FrontDoor.ZoneCandidates("example.com"));
    }

    // Two resource names whose FNV-1a slot is the same (found by search, so the test holds for any hash).
    private static (string Existing, string Newcomer) CollidingNames()
    {
        var seen = new Dictionary<int, string>();
        for (var i = 0; ; i++)
        {
            var name = $"svc{i}";
            if (seen.TryGetValue(ListenerRuleKind.Slot(name), out var other))
            {
                return string.CompareOrdinal(other, name) > 0 ? (other, name) : (name, other);
            }

            seen[ListenerRuleKind.Slot(name)] = name;
        }
    }
}

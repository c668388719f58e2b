using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Verbs;
using Xunit.Abstractions;
using static Aspire.Deployer.Tests.Verbs.ApplyTestKit;
using Acm = Aspire.Deployer.Aws.CertificateManager;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>
/// The HTTPS front door against moto, every call through a proxy that imitates ACM's DNS validation (a certificate is
/// ISSUED only once its CNAME records are in the zone, and no listener takes one that is not) and ACM's lag in
/// releasing a certificate after its listener is deleted. Each test has its own app and zone, except the one on
/// <c>example.com</c>, the zone of the acceptance.
/// </summary>
public sealed class FrontDoorIntegrationTests(ITestOutputHelper output)
{
    private static DeploySettings Settings => MotoSettings;

    [Fact]
    public async Task Deploy_WithDomain_ServesHttpsOnACertificateItValidated_RedeployChangesNothing_DestroyLeavesNothing()
    {
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var zoneId = await TestZones.ExampleComAsync(aws);
        await using var proxy = await ProxyAsync(moto, aws);
        var app = PlanSamples.UniqueApp();
        var deployment = FrontDoorSamples.Deployment(Door("app.example.com"), FrontDoorSamples.Service("node-app", app: app));
        var names = deployment.Services[0].Names;
        var log = new StringWriter();

        var summary = await DeployAsync(proxy.Endpoint, deployment, Image(deployment), log);

        output.WriteLine(log.ToString());
        Assert.Equal("https://app.example.com", Assert.Single(summary.Services).Url);
        Assert.Contains("Creating certificate app.example.com", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("certificate app.example.com is ISSUED", log.ToString(), StringComparison.Ordinal);
        var lb = (await LoadBalancerKind.DescribeAsync(aws, names.LoadBalancer, default))!;
        var listeners = (await aws.ElbV2.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lb.LoadBalancerArn! }).ToListAsync()).ToDictionary(l => l.Port!.Value);
        Assert.Equal([80, 443], listeners.Keys.Order());
        var https = listeners[443];
        Assert.Equal(("HTTPS", FrontDoor.DefaultSslPolicy), (https.Protocol, https.SslPolicy));
        Assert.Equal(("fixed-response", "404"), (https.DefaultActions![0].Type, https.DefaultActions[0].FixedResponseConfig!.StatusCode));
        var certificate = (await aws.Acm.DescribeCertificateAsync(new Acm.DescribeCertificateRequest { CertificateArn = https.Certificates![0].CertificateArn! })).Certificate!;
        Assert.Equal((Acm.CertificateStatus.Issued, "app.example.com"), (certificate.Status, certificate.DomainName));
        var redirect = listeners[80].DefaultActions!.Single().RedirectConfig!;
        Assert.Equal(("HTTP", "HTTPS", "443", "HTTP_301"), (listeners[80].Protocol, redirect.Protocol, redirect.Port, redirect.StatusCode));
        var records = await TestZones.RecordsAsync(aws, zoneId);
        var alias = Assert.Single(records, r => r.Name == "app.example.com." && r.Type == "A");
        Assert.Equal((lb.CanonicalHostedZoneId, lb.DNSName), (alias.AliasTarget!.HostedZoneId, alias.AliasTarget.DNSName));
        Assert.Contains(records, r => r.Type == "CNAME" && Route53Records.SameName(r.Name, certificate.DomainValidationOptions![0].ResourceRecord!.Name));
        var rule = Assert.Single(await ListenerRuleKind.RulesAsync(aws, https.ListenerArn!, default));
        Assert.Equal(("app.example.com", null), ListenerRuleKind.Conditions(rule.Rule));
        var group = (await aws.Ec2.DescribeSecurityGroupsByTagsAsync(null, names.SharedTags)).Single(g => g.GroupName == names.LoadBalancerSecurityGroup);
        Assert.Equal(["tcp 443-443 0.0.0.0/0", "tcp 443-443 ::/0", "tcp 80-80 0.0.0.0/0", "tcp 80-80 ::/0"],
            group.IngressRules.Select(r => $"{r.Protocol} {r.FromPort}-{r.ToPort} {r.CidrIpv4 ?? r.CidrIpv6}").Order(StringComparer.Ordinal));

        var before = proxy.Captured.Count;
        var again = await DeployAsync(proxy.Endpoint, deployment, Image(deployment));
        Assert.Equal(0, again.MutatingCalls);
        Assert.DoesNotContain(proxy.Captured.Skip(before).Select(Operation), IsMutating);
        var status = await StatusVerb.RunAsync(aws, AppScope.From(deployment));
        Assert.Equal("https://app.example.com", Assert.Single(status.Services).Url);

        using var viaProxy = await MotoServer.CreateSessionAsync(proxy.Endpoint);
        var destroyed = await DestroyVerb.RunAsync(viaProxy, AppScope.From(deployment), new PlainTextDeployProgress(log), DestroySamples.Fast).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Contains(destroyed.Removed, r => r.Kind == ListenerRuleKind.Instance);
        // ACM still counted the deleted listener at the first try (the proxy's AcmInUseAfterListenerDeletion): destroy retried.
        Assert.Equal(2, proxy.CallsTo("DeleteCertificate"));
        var left = await TestZones.RecordsAsync(aws, zoneId);
        Assert.DoesNotContain(left, r => r.Name == "app.example.com.");
        // ACM gives every certificate of an account the same validation CNAME for a name: the record may stay only while
        // another certificate of the region covers app.example.com (other tests of the shared moto request one; the
        // tests on zones of their own check that it goes).
        if (left.Any(r => r.Type == "CNAME" && r.Name.EndsWith(".app.example.com.", StringComparison.Ordinal)))
        {
            var others = await aws.Acm.ListCertificatesItemsAsync(new Acm.ListCertificatesRequest()).ToListAsync();
            Assert.Contains(others, c => c.DomainName == "app.example.com" || (c.SubjectAlternativeNameSummaries ?? []).Contains("app.example.com"));
        }
        var gone = await Assert.ThrowsAsync<AwsApiException>(() => aws.Acm.DescribeCertificateAsync(new Acm.DescribeCertificateRequest { CertificateArn = certificate.CertificateArn! }));
        Assert.Equal("ResourceNotFoundException", gone.ErrorCode);
        Assert.Null(await LoadBalancerKind.DescribeAsync(aws, names.LoadBalancer, default));
        Assert.True((await Destroyer.FindAsync(aws, Registry.Kinds, AppScope.From(deployment))).IsEmpty);
    }

    [Fact]
    public async Task TwoServicesOnTwoHosts_OneLoadBalancerOneCertificateTwoRulesEachToItsTargetGroup_AndAThirdKeepsTheirPriorities()
    {
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var zone = TestZones.UniqueZoneName();
        var zoneId = await TestZones.CreateAsync(aws, zone);
        await using var proxy = await ProxyAsync(moto, aws);
        var app = PlanSamples.UniqueApp();
        var web = FrontDoorSamples.Service("node-app", o => o.Host = "app." + zone, app);
        var api = FrontDoorSamples.Service("api", o => o.Host = "api." + zone, app);
        // The zone given by id (Aws:HostedZoneId) instead of found by name.
        var deployment = FrontDoorSamples.Deployment(Door("app." + zone, zoneId: zoneId), web, api);

        var summary = await DeployAsync(proxy.Endpoint, deployment, Image(deployment));

        Assert.Equal([$"https://api.{zone}", $"https://app.{zone}"], summary.Services.Select(s => s.Url!).Order(StringComparer.Ordinal));
        var rules = await RulesByResourceAsync(aws, deployment);
        Assert.Equal(2, rules.Count);
        Assert.Equal($"app.{zone}", ListenerRuleKind.Conditions(rules["node-app"]).Host);
        Assert.Equal($"api.{zone}", ListenerRuleKind.Conditions(rules["api"]).Host);
        var groups = rules.Values.Select(r => r.Actions!.Single().TargetGroupArn).Distinct().ToList();
        Assert.Equal(2, groups.Count);
        var https = await HttpsListenerAsync(aws, deployment);
        var certificate = (await aws.Acm.DescribeCertificateAsync(new() { CertificateArn = https.Certificates![0].CertificateArn! })).Certificate!;
        Assert.Equal([$"api.{zone}", $"app.{zone}"], certificate.SubjectAlternativeNames!.Order(StringComparer.Ordinal));
        Assert.Single(await aws.ElbV2.DescribeLoadBalancersItemsAsync(new()).ToListAsync(), l => l.LoadBalancerName == deployment.Services[0].Names.LoadBalancer);
        Assert.Equal(2, (await TestZones.RecordsAsync(aws, zoneId)).Count(r => r.Type == "A"));

        // A third service on a path of the first host: a rule of its own, matched first; the first two rules keep their priorities.
        var docs = FrontDoorSamples.Service("docs", o => { o.Host = "app." + zone; o.PathPrefix = "/docs"; }, app);
        var grown = deployment with { Services = [web, api, docs] };
        var log = new StringWriter();
        await DeployAsync(proxy.Endpoint, grown, Image(grown), log);

        output.WriteLine(log.ToString());
        var after = await RulesByResourceAsync(aws, grown);
        Assert.Equal((rules["node-app"].Priority, rules["api"].Priority), (after["node-app"].Priority, after["api"].Priority));
        Assert.True(int.Parse(after["docs"].Priority!, System.Globalization.CultureInfo.InvariantCulture) < int.Parse(after["node-app"].Priority!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(($"app.{zone}", "/docs"), ListenerRuleKind.Conditions(after["docs"]));
        // The certificate already covers app.{zone}: no new one.
        Assert.Equal(certificate.CertificateArn, (await HttpsListenerAsync(aws, grown)).Certificates![0].CertificateArn);

        await DestroyVerb.RunAsync(aws, AppScope.From(grown), new PlainTextDeployProgress(), DestroySamples.Fast).WaitAsync(TimeSpan.FromSeconds(90));
        Assert.DoesNotContain(await TestZones.RecordsAsync(aws, zoneId), r => r.Type is "A" or "CNAME");
    }

    [Fact]
    public async Task DomainAddedThenRemoved_PortListenersGiveWayToTheFrontDoorAndComeBack_LeavingNoRecordOrCertificate()
    {
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var zone = TestZones.UniqueZoneName();
        var zoneId = await TestZones.CreateAsync(aws, zone);
        await using var proxy = await ProxyAsync(moto, aws);
        var app = PlanSamples.UniqueApp();
        var plain = FrontDoorSamples.Deployment(null, FrontDoorSamples.Service("node-app", app: app));
        var secure = plain with { FrontDoor = Door("shop." + zone) };
        var log = new StringWriter();

        await DeployAsync(proxy.Endpoint, plain, Image(plain));
        await DeployAsync(proxy.Endpoint, secure, Image(secure), log);

        Assert.Equal([80, 443], await PortsAsync(aws, secure));
        Assert.Contains("deleted listener", log.ToString(), StringComparison.Ordinal);
        var certificateArn = (await HttpsListenerAsync(aws, secure)).Certificates![0].CertificateArn!;

        log = new StringWriter();
        var back = await DeployAsync(proxy.Endpoint, plain, Image(plain), log);

        output.WriteLine(log.ToString());
        Assert.Equal([4000], await PortsAsync(aws, plain));
        Assert.Matches("^http://[^/]+:4000$", Assert.Single(back.Services).Url);
        Assert.DoesNotContain(await TestZones.RecordsAsync(aws, zoneId), r => r.Type is "A" or "CNAME");
        var gone = await Assert.ThrowsAsync<AwsApiException>(() => aws.Acm.DescribeCertificateAsync(new() { CertificateArn = certificateArn }));
        Assert.Equal("ResourceNotFoundException", gone.ErrorCode);
        var group = (await aws.Ec2.DescribeSecurityGroupsByTagsAsync(null, plain.Services[0].Names.SharedTags)).Single(g => g.GroupName == plain.Services[0].Names.LoadBalancerSecurityGroup);
        Assert.All(group.IngressRules, r => Assert.Equal(4000, r.FromPort));

        await DestroyVerb.RunAsync(aws, AppScope.From(plain), new PlainTextDeployProgress(), DestroySamples.Fast).WaitAsync(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task ContainerPortChange_TheRuleMovesToTheNewTargetGroupOnlyAfterTheServiceDid_AndTheOldGroupGoesLast()
    {
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var zone = TestZones.UniqueZoneName();
        await TestZones.CreateAsync(aws, zone);
        var app = PlanSamples.UniqueApp();
        var deployment = FrontDoorSamples.Deployment(Door("app." + zone), FrontDoorSamples.Service("node-app", app: app));
        await using (var first = await ProxyAsync(moto, aws))
        {
            await DeployAsync(first.Endpoint, deployment, Image(deployment));
        }

        var oldGroup = (await RulesByResourceAsync(aws, deployment))["node-app"].Actions!.Single().TargetGroupArn;
        var moved = deployment with { Services = [deployment.Services[0] with { ContainerPort = 9090 }] };
        await using var proxy = await ProxyAsync(moto, aws);
        var log = new StringWriter();

        await DeployAsync(proxy.Endpoint, moved, Image(moved), log);

        // Create-before-destroy behind the front door too: the new group, the service onto it, then the rule, then the old group deleted.
        output.WriteLine(log.ToString());
        var mutations = MutatingOperations(proxy);
        int At(string operation) => mutations.IndexOf(operation);
        Assert.True(At("CreateTargetGroup") >= 0 && At("CreateTargetGroup") < At("UpdateService"), string.Join(", ", mutations));
        Assert.True(At("UpdateService") < At("ModifyRule") && At("ModifyRule") < At("DeleteTargetGroup"), string.Join(", ", mutations));
        Assert.Contains("listener rule", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("keeps forwarding to the current target group until", log.ToString(), StringComparison.Ordinal);
        var newGroup = (await RulesByResourceAsync(aws, moved))["node-app"].Actions!.Single().TargetGroupArn;
        Assert.NotEqual(oldGroup, newGroup);
        var groups = await aws.ElbV2.DescribeTargetGroupsItemsAsync(new()).ToListAsync();
        Assert.DoesNotContain(groups, g => g.TargetGroupArn == oldGroup);
        Assert.Equal(9090, groups.Single(g => g.TargetGroupArn == newGroup).Port);

        await DestroyVerb.RunAsync(aws, AppScope.From(moved), new PlainTextDeployProgress(), DestroySamples.Fast).WaitAsync(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task GivenCertificate_IsServedAndNeverDeleted_AndNoneIsRequested()
    {
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var zone = TestZones.UniqueZoneName();
        await TestZones.CreateAsync(aws, zone);
        var given = (await aws.Acm.RequestCertificateAsync(new() { DomainName = "*." + zone, ValidationMethod = "DNS" })).CertificateArn!;
        await Task.Delay(TimeSpan.FromSeconds(MotoServer.AcmValidationWaitSeconds + 0.5));
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var app = PlanSamples.UniqueApp();
        var deployment = FrontDoorSamples.Deployment(Door("www." + zone, given), FrontDoorSamples.Service("node-app", app: app));

        await DeployAsync(proxy.Endpoint, deployment, Image(deployment));

        Assert.Equal(0, proxy.CallsTo("RequestCertificate"));
        Assert.Equal(given, (await HttpsListenerAsync(aws, deployment)).Certificates![0].CertificateArn);
        await DestroyVerb.RunAsync(aws, AppScope.From(deployment), new PlainTextDeployProgress(), DestroySamples.Fast).WaitAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(Acm.CertificateStatus.Issued, (await aws.Acm.DescribeCertificateAsync(new() { CertificateArn = given })).Certificate!.Status);
    }

    [Fact]
    public async Task BadDomainInput_IsRefusedWithItsFix_BeforeAnyChangingCall()
    {
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var zone = TestZones.UniqueZoneName();
        await TestZones.CreateAsync(aws, zone);
        var privateZone = TestZones.UniqueZoneName();
        await TestZones.CreateAsync(aws, privateZone, isPrivate: true);
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        var app = PlanSamples.UniqueApp();

        var noZone = await RefusedAsync(proxy, Door("app.nozone-" + app + ".example.org"), FrontDoorSamples.Service("node-app", app: app));
        var outside = await RefusedAsync(proxy, Door("app." + zone), FrontDoorSamples.Service("node-app", o => o.Host = "api.elsewhere.org", app));
        var onlyPrivate = await RefusedAsync(proxy, Door("app." + privateZone), FrontDoorSamples.Service("node-app", app: app));

        Assert.Contains("No public Route 53 hosted zone of this account holds Aws:Domain", noZone, StringComparison.Ordinal);
        Assert.Contains("Host 'api.elsewhere.org' is outside the hosted zone " + zone, outside, StringComparison.Ordinal);
        Assert.Contains("Only private zones were found", onlyPrivate, StringComparison.Ordinal);
        var missingZone = await RefusedAsync(proxy, Door("app." + zone, zoneId: "ZMISSING0000"), FrontDoorSamples.Service("node-app", app: app));
        Assert.Contains("Aws:HostedZoneId ZMISSING0000 is no hosted zone of this account (NoSuchHostedZone)", missingZone, StringComparison.Ordinal);
        Assert.DoesNotContain(proxy.Captured.Select(Operation), IsMutating);

        // A certificate of another region is refused before any call at all.
        var calls = proxy.Captured.Count;
        var region = await RefusedAsync(proxy, Door("app." + zone, "arn:aws:acm:eu-west-1:123456789012:certificate/abc"), FrontDoorSamples.Service("node-app", app: app));
        Assert.Contains("a certificate of eu-west-1, but the load balancer is in us-east-1", region, StringComparison.Ordinal);
        Assert.Equal(calls, proxy.Captured.Count);
    }

    private static FrontDoor Door(string domain, string? certificateArn = null, string? zoneId = null) =>
        new(domain, zoneId is null ? null : Arn.LastSegment(zoneId), certificateArn, FrontDoor.DefaultSslPolicy, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

    private static async Task<FaultProxy> ProxyAsync(MotoServer moto, AwsSession direct)
    {
        var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        proxy.Behaviours.Add(new AcmDnsValidation(direct));
        proxy.Behaviours.Add(new AcmInUseAfterListenerDeletion());
        return proxy;
    }

    private static async Task<string> RefusedAsync(FaultProxy proxy, FrontDoor door, ServiceDescription service)
    {
        var deployment = FrontDoorSamples.Deployment(door, service);
        var error = await Assert.ThrowsAsync<DeploymentValidationException>(() => DeployAsync(proxy.Endpoint, deployment, Image(deployment)));
        return error.Message;
    }

    private static async Task<Elb.Listener> HttpsListenerAsync(AwsSession aws, DeploymentDescription deployment)
    {
        var lb = (await LoadBalancerKind.DescribeAsync(aws, deployment.Services[0].Names.LoadBalancer, default))!;
        return (await aws.ElbV2.DescribeListenersItemsAsync(new() { LoadBalancerArn = lb.LoadBalancerArn! }).ToListAsync()).Single(l => l.Port == 443);
    }

    private static async Task<List<int>> PortsAsync(AwsSession aws, DeploymentDescription deployment)
    {
        var lb = (await LoadBalancerKind.DescribeAsync(aws, deployment.Services[0].Names.LoadBalancer, default))!;
        return [.. (await aws.ElbV2.DescribeListenersItemsAsync(new() { LoadBalancerArn = lb.LoadBalancerArn! }).ToListAsync()).Select(l => l.Port!.Value).Order()];
    }

    private static async Task<Dictionary<string, Elb.Rule>> RulesByResourceAsync(AwsSession aws, DeploymentDescription deployment)
    {
        var https = await HttpsListenerAsync(aws, deployment);
        return (await ListenerRuleKind.RulesAsync(aws, https.ListenerArn!, default)).ToDictionary(r => r.Tags[AwsNames.TagKeys.Resource], r => r.Rule);
    }
}

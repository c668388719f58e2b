using Aspire.Deployer.Engine;
using Aspire.Deployer.Tests.Aws;
using Aspire.Deployer.Model;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Tests.Images.Infrastructure;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Tests.Verbs;
using Aspire.Deployer.Verbs;
using Xunit.Abstractions;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>
/// The test AppHost of two Dockerfile services (tests/apphosts/FrontDoor.AppHost: node-app on the domain's root, a small
/// API under /api) run the way a user runs it, with <c>--Aws:Domain</c>: both images built, smoke-tested and pushed to a
/// local registry, then deployed to moto behind one HTTPS front door (through the proxy imitating ACM's DNS
/// validation), deployed again without a change, reported by status and destroyed. Heavy (builds, processes), so it
/// runs in the collection that runs alone.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class FrontDoorAppHostTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(6);
    private readonly string _app = PlanSamples.UniqueApp();
    private readonly string _summary = Path.Combine(Path.GetTempPath(), $"front-door-{Guid.NewGuid():N}.json");

    public void Dispose()
    {
        TestEnvironment.RemoveImagesOf(_app, "test");
        File.Delete(_summary);
    }

    [Fact]
    public async Task DeployWithADomain_TwoServicesBehindOneHttpsFrontDoor_ThenNoChanges_StatusAndDestroy()
    {
        await TestEnvironment.EnsureDockerAsync();
        await using var registry = await LocalRegistry.StartAsync();
        var moto = await MotoServer.GetAsync();
        using var aws = await moto.SessionAsync();
        var zone = TestZones.UniqueZoneName();
        var zoneId = await TestZones.CreateAsync(aws, zone);
        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        proxy.Behaviours.Add(new AcmDnsValidation(aws));
        var domain = "shop." + zone;
        string[] settings =
        [
            "--Aws:AppName", _app, "--Aws:Environment", "test", $"--Aws:Domain={domain}", $"--Aws:Registry={registry.Address}",
            "--Aws:WaitForHealthyTargets=false", "--Aws:DeployPollSeconds=0.2", $"--Aws:SummaryFile={_summary}",
        ];

        var deploy = await StepAsync("aws-deploy", settings, proxy);

        Assert.Equal(0, deploy.ExitCode);
        // The plan shows the certificate, the record, both listeners and both rules.
        Assert.Equal(1, deploy.LinesWith($"create    certificate          {domain}: ACM, DNS-validated"));
        Assert.Equal(1, deploy.LinesWith($"create    DNS record           {domain} A: alias to load balancer {_app}-test"));
        Assert.Equal(1, deploy.LinesWith($"create    front door listener  {_app}-test:443: HTTPS 443, fixed-response 404"));
        Assert.Equal(1, deploy.LinesWith($"create    front door listener  {_app}-test:80: HTTP 80, redirect to HTTPS 443 (HTTP_301)"));
        Assert.Equal(1, deploy.LinesWith($"create    listener rule        {_app}-test:443 api: host {domain}, path /api and /api/*"));
        Assert.Equal(1, deploy.LinesWith($"create    listener rule        {_app}-test:443 node-app: host {domain} ->"));
        var summary = DeploySummary.FromJson(await File.ReadAllTextAsync(_summary))!;
        Assert.Equal([$"api https://{domain}/api", $"node-app https://{domain}"], summary.Services.Select(s => $"{s.Resource} {s.Url}").Order(StringComparer.Ordinal));
        Assert.All(summary.Services, s => Assert.StartsWith($"{registry.Address}/{_app}/test/{s.Resource}@sha256:", s.Image, StringComparison.Ordinal));

        var lb = (await LoadBalancerKind.DescribeAsync(aws, $"{_app}-test", default))!;
        var https = (await aws.ElbV2.DescribeListenersItemsAsync(new() { LoadBalancerArn = lb.LoadBalancerArn! }).ToListAsync()).Single(l => l.Port == 443);
        var rules = (await ListenerRuleKind.RulesAsync(aws, https.ListenerArn!, default)).ToDictionary(r => r.Tags[AwsNames.TagKeys.Resource], r => r.Rule);
        Assert.Equal((domain, "/api"), ListenerRuleKind.Conditions(rules["api"]));
        Assert.True(int.Parse(rules["api"].Priority!, System.Globalization.CultureInfo.InvariantCulture) < int.Parse(rules["node-app"].Priority!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEqual(rules["api"].Actions![0].TargetGroupArn, rules["node-app"].Actions![0].TargetGroupArn);
        Assert.Contains(await TestZones.RecordsAsync(aws, zoneId), r => r.Name == domain + "." && r.Type == "A");

        var before = proxy.Captured.Count;
        var again = await StepAsync("aws-deploy", settings, proxy);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(1, again.LinesWith("No changes."));
        Assert.DoesNotContain(proxy.Captured.Skip(before).Select(ApplyTestKit.Operation), ApplyTestKit.IsMutating);

        var status = await StepAsync("aws-status", settings, proxy);
        Assert.Equal(0, status.ExitCode);
        Assert.Equal(1, status.LinesWith($"URL: https://{domain}/api"));

        var destroy = await StepAsync("aws-destroy", settings, proxy);
        Assert.Equal(0, destroy.ExitCode);
        Assert.DoesNotContain(await TestZones.RecordsAsync(aws, zoneId), r => r.Type is "A" or "CNAME");
        Assert.True((await Destroyer.FindAsync(aws, Registry.Kinds, new AppScope(_app, "test"))).IsEmpty);
    }

    // `dotnet run --project tests/apphosts/FrontDoor.AppHost --no-build -- --operation publish --step STEP ...`, as the README shows it.
    private Task<CommandResult> StepAsync(string step, string[] settings, FaultProxy proxy)
    {
        var project = Path.Combine("tests", "apphosts", "FrontDoor.AppHost");
        var dll = Path.Combine(TestEnvironment.RepoRoot, project, "bin", CommandLine.Configuration, "net10.0", "FrontDoor.AppHost.dll");
        Assert.True(File.Exists(dll), $"{dll} does not exist: build Aspire.sln ({CommandLine.Configuration}) first, as scripts/test.sh does.");
        return CommandLine.RunAsync("dotnet", ["run", "--project", project, "--no-build", "-c", CommandLine.Configuration, "--", "--operation", "publish", "--step", step, .. settings],
            CommandLine.AwsEnvironment(proxy.Endpoint), Timeout, output);
    }
}

using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using System.Text;
using System.Web;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Aspire.Deployer.Network;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Verbs;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>Deployed states, fast destroy options and call recording for the destroy and status tests.</summary>
internal static partial class DestroySamples
{
    public const string Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:0123";

    /// <summary>Waits and retries in milliseconds, so a test never sleeps for long.</summary>
    public static DestroyOptions Fast { get; } = new()
    {
        ServiceTimeout = TimeSpan.FromSeconds(20),
        LoadBalancerTimeout = TimeSpan.FromSeconds(20),
        DependencyTimeout = TimeSpan.FromSeconds(5),
        PollInterval = TimeSpan.FromMilliseconds(50),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>The sample deployment (service "web", autoscaling on) of <paramref name="app"/> in <paramref name="environment"/>.</summary>
    public static DeploymentDescription Deployment(string app, string environment = "test", bool withApi = false)
    {
        var sample = PlanSamples.Deployment(app, o => o.AutoScaling = new AutoScalingOptions(1, 3, 60));
        var web = sample.Services[0] with { Names = sample.Services[0].Names with { Environment = environment } };
        List<ServiceDescription> services = [web];
        if (withApi)
        {
            services.Add(web with { Names = web.Names with { Resource = "api" }, ListenerPort = 81 });
        }

        return sample with { Environment = environment, Services = services };
    }

    /// <summary>Makes everything a deploy of <paramref name="deployment"/> makes, straight through the clients.</summary>
    public static async Task DeployAsync(AwsSession session, DeploymentDescription deployment)
    {
        var plan = await PlanVerb.RunAsync(session, deployment, NetworkSettings.Default);
        await DirectApply.CreateAllAsync(session, plan.Desired!, Image);
    }

    /// <summary>The operations that reached the proxy, in order.</summary>
    public static List<string> Operations(FaultProxy proxy) => proxy.Captured.Select(ApplyTestKit.Operation).ToList();

    public static bool IsMutating(string operation) => MutatingPrefix().IsMatch(operation);

    [GeneratedRegex("^(Create|Put|Register|Request|Update|Delete|Deregister|Attach|Detach|Modify|Tag|Untag|Add|Remove|Set|Authorize|Revoke|Start|Stop|Run|Change)")]
    private static partial Regex MutatingPrefix();

    [GeneratedRegex("^(Describe|Get|List)[A-Za-z]+$")]
    public static partial Regex ReadOnly();
}

/// <summary>Collects progress lines.</summary>
internal sealed class RecordingProgress : IDeployProgress
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public string Text => string.Join(Environment.NewLine, Lines);

    public void Step(string title) => Lines.Enqueue("==> " + title);

    public void Info(string message) => Lines.Enqueue(message);

    public void Warn(string message) => Lines.Enqueue("WARNING: " + message);
}

using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Text;
using System.Web;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Settings;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Verbs;

namespace Aspire.Deployer.Tests.Verbs;

/// <summary>Helpers of the deploy tests: a deploy against moto through a proxy, fake digests, the calls that were made.</summary>
internal static partial class ApplyTestKit
{
    /// <summary>Wait settings for moto: short, and no target health (moto never health-checks targets).</summary>
    public static DeploySettings MotoSettings { get; } = new()
    {
        Wait = new WaitOptions { Timeout = TimeSpan.FromSeconds(20), PollInterval = TimeSpan.FromMilliseconds(100), RequireHealthyTargets = false },
        // moto's IAM is consistent at once: no settle (the propagation tests set their own through a proxy that is not).
        Propagation = new PropagationOptions { IamSettle = TimeSpan.Zero, IamPoll = TimeSpan.FromMilliseconds(50) },
    };

    /// <summary>An image reference by digest, different for every <paramref name="seed"/>.</summary>
    public static string Image(DeploymentDescription deployment, string seed = "v1") =>
        $"123456789012.dkr.ecr.us-east-1.amazonaws.com/{deployment.Services[0].Names.Repository}@sha256:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)))}";

    /// <summary>Deploys through <paramref name="endpoint"/> (moto or a proxy in front of it).</summary>
    public static async Task<DeploySummary> DeployAsync(Uri endpoint, DeploymentDescription deployment, string image, StringWriter? log = null, DeploySettings? settings = null)
    {
        using var session = await MotoServer.CreateSessionAsync(endpoint);
        var images = deployment.Services.ToDictionary(s => s.Names.Resource, _ => image);
        return await DeployVerb.RunAsync(session, deployment, images, settings ?? MotoSettings, new PlainTextDeployProgress(log ?? new StringWriter()))
            .WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>The operations that reached the proxy, in order (X-Amz-Target for JSON protocols, Action for Query).</summary>
    public static List<string> Operations(FaultProxy proxy) =>
        proxy.Captured.Select(Operation).ToList();

    public static string Operation(CapturedRequest r)
    {
        if (r.Headers.TryGetValue("X-Amz-Target", out var target) && target.Length > 0)
        {
            return target[(target.LastIndexOf('.') + 1)..];
        }

        var query = r.Url.Contains('?', StringComparison.Ordinal) ? HttpUtility.ParseQueryString(new Uri(r.Url).Query)["Action"] : null;
        return query ?? HttpUtility.ParseQueryString(Encoding.UTF8.GetString(r.Body))["Action"]
            ?? RestOperations.Of(r.Method, new Uri(r.Url).AbsolutePath) ?? $"(unknown {r.Method} {r.Url})";
    }

    /// <summary>The service's target groups as they are in AWS (named from the stem, for any settings).</summary>
    public static async Task<List<Deployer.Aws.ElasticLoadBalancingV2.TargetGroup>> ServiceTargetGroupsAsync(AwsSession aws, AwsNames names)
    {
        var stem = names.TargetGroup[..Math.Min(names.TargetGroup.Length, 26)].TrimEnd('-');
        var all = await aws.ElbV2.DescribeTargetGroupsItemsAsync(new Deployer.Aws.ElasticLoadBalancingV2.DescribeTargetGroupsRequest()).ToListAsync();
        return [.. all.Where(g => g.TargetGroupName == names.TargetGroup || (g.TargetGroupName!.StartsWith(stem + "-", StringComparison.Ordinal) && g.TargetGroupName.Length == stem.Length + 6))];
    }

    public static List<string> MutatingOperations(FaultProxy proxy) => Operations(proxy).Where(IsMutating).ToList();

    public static bool IsMutating(string operation) => MutatingPrefix().IsMatch(operation);

    [GeneratedRegex("^(Create|Put|Register|Request|Update|Delete|Deregister|Attach|Detach|Modify|Tag|Untag|Add|Remove|Set|Authorize|Revoke|Start|Stop|Run|Change)")]
    private static partial Regex MutatingPrefix();
}

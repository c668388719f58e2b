using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Resources;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;

namespace Aspire.Deployer.Verbs;

/// <summary>
/// Reports the state of an app's ECS services with read-only calls only (Describe*, List*): state, running / desired
/// / pending tasks, the primary deployment's rollout state, the task definition revision, the health of every target
/// (state and reason), the URL and the latest service events. Services are found by the app's tags, so one the
/// model no longer has shows too.
/// </summary>
public static class StatusVerb
{
    /// <summary>How many service events the report shows by default.</summary>
    public const int DefaultEventCount = 5;

    /// <summary>Reads the status of the app's services.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="scope">The app and environment.</param>
    /// <param name="eventCount">How many recent events to show per service.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The report; <see cref="StatusReport.IsDeployed"/> is false when nothing of the app exists.</returns>
    public static async Task<StatusReport> RunAsync(AwsSession session, AppScope scope, int eventCount = DefaultEventCount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(scope);
        var ct = cancellationToken;
        var context = new FindContext(session, scope, ct);
        var clusters = await ClusterKind.ClustersAsync(context).ConfigureAwait(false);
        var services = new List<ServiceStatus>();
        foreach (var cluster in clusters)
        {
            var found = await EcsServiceKind.ServicesInAsync(context, cluster.Name).ConfigureAwait(false);
            foreach (var (_, service) in found.Ours.OrderBy(s => s.Resource.Name, StringComparer.Ordinal))
            {
                services.Add(await DescribeAsync(session, cluster.Name, service, Math.Max(0, eventCount), ct).ConfigureAwait(false));
            }
        }

        return new StatusReport(scope, session.Region.SystemName, [.. clusters.Select(c => c.Name)], services);
    }

    private static async Task<ServiceStatus> DescribeAsync(AwsSession session, string cluster, Ecs.Service service, int eventCount, CancellationToken ct)
    {
        var notes = new List<string>();
        var targets = new List<TargetStatus>();
        string? url = null;
        foreach (var targetGroupArn in (service.LoadBalancers ?? []).Select(l => l.TargetGroupArn).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            try
            {
                var health = await session.ElbV2.DescribeTargetHealthAsync(new Elb.DescribeTargetHealthRequest { TargetGroupArn = targetGroupArn }, ct).ConfigureAwait(false);
                targets.AddRange((health.TargetHealthDescriptions ?? []).Select(d => new TargetStatus(
                    d.Target?.Id ?? "?", d.Target?.Port, d.TargetHealth?.State ?? "unknown", d.TargetHealth?.Reason, d.TargetHealth?.Description)));
                url ??= await UrlAsync(session, targetGroupArn, ct).ConfigureAwait(false);
            }
            catch (AwsApiException e) when (e.ErrorCode is "TargetGroupNotFound" or "LoadBalancerNotFound")
            {
                notes.Add($"target group {targetGroupArn} no longer exists ({e.ErrorCode})");
            }
        }

        var primary = (service.Deployments ?? []).FirstOrDefault(d => d.Status == "PRIMARY");
        var definition = service.TaskDefinition is { } arn ? Arn.LastSegment(arn) : null;
        return new ServiceStatus(
            service.ServiceName ?? "?",
            cluster,
            service.Status ?? "UNKNOWN",
            service.RunningCount ?? 0,
            service.DesiredCount ?? 0,
            service.PendingCount ?? 0,
            definition,
            primary?.RolloutState,
            primary?.RolloutStateReason,
            service.Deployments?.Count ?? 0,
            targets,
            url,
            [.. (service.Events ?? []).OrderByDescending(e => e.CreatedAt).Take(eventCount).Select(e => new ServiceEventLine(e.CreatedAt, e.Message ?? ""))],
            notes);
    }

    // The load balancer in front of the target group and the listener that forwards to it.
    private static async Task<string?> UrlAsync(AwsSession session, string targetGroupArn, CancellationToken ct)
    {
        var groups = await session.ElbV2.DescribeTargetGroupsAsync(new Elb.DescribeTargetGroupsRequest { TargetGroupArns = [targetGroupArn] }, ct).ConfigureAwait(false);
        foreach (var lbArn in groups.TargetGroups?.FirstOrDefault()?.LoadBalancerArns ?? [])
        {
            var balancers = await session.ElbV2.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { LoadBalancerArns = [lbArn] }, ct).ConfigureAwait(false);
            if (balancers.LoadBalancers?.FirstOrDefault()?.DNSName is not { } dns)
            {
                continue;
            }

            var listeners = await session.ElbV2.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lbArn }, ct).ToListAsync(ct).ConfigureAwait(false);
            var listener = listeners.FirstOrDefault(l => (l.DefaultActions ?? []).Any(a =>
                a.TargetGroupArn == targetGroupArn || (a.ForwardConfig?.TargetGroups ?? []).Any(t => t.TargetGroupArn == targetGroupArn)));
            if (listener?.Port is { } port)
            {
                var scheme = listener.Protocol is "HTTPS" ? "https" : "http";
                return $"{scheme}://{dns}:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            }

            // The front door: the HTTPS listener's rule that forwards to the target group names its host and path.
            foreach (var https in listeners.Where(l => l.Protocol == "HTTPS" && l.ListenerArn is not null))
            {
                var rules = await ListenerRuleKind.RulesAsync(session, https.ListenerArn!, ct).ConfigureAwait(false);
                if (rules.Select(r => r.Rule).FirstOrDefault(r => (r.Actions ?? []).Any(a => a.TargetGroupArn == targetGroupArn)) is { } rule
                    && ListenerRuleKind.Conditions(rule) is { Host: { } host } route)
                {
                    return $"https://{host}{route.PathPrefix}";
                }
            }
        }

        return null;
    }
}

using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;

namespace Aspire.Deployer.Resources;

/// <summary>
/// Tags of ELBv2 resources (load balancers, target groups, listeners), read 20 ARNs per DescribeTags call for all the
/// ELBv2 kinds at once, and the app's load balancers and target groups found by those tags for destroy.
/// </summary>
public sealed class ElbV2Tags : BatchTagReader
{
    // ELBv2 DescribeTags takes at most 20 ARNs per call.
    private const int Batch = 20;

    /// <summary>The one reader the ELBv2 kinds share.</summary>
    public static ElbV2Tags Instance { get; } = new();

    /// <inheritdoc />
    public override async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> ReadAsync(
        AwsSession session, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(ids);
        var tags = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var batch in ids.Distinct(StringComparer.Ordinal).Chunk(Batch))
        {
            foreach (var description in await DescribeAsync(session, batch, cancellationToken).ConfigureAwait(false))
            {
                if (description.ResourceArn is { } arn)
                {
                    tags[arn] = Tags.ToDictionary(description.Tags, t => t.Key, t => t.Value);
                }
            }
        }

        return tags;
    }

    /// <summary>The app's load balancers and target groups (listed, then kept when they carry the app's tags), asked once per find.</summary>
    /// <param name="context">The find context.</param>
    public static Task<OwnedElbV2> OwnedAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Shared.GetAsync("elbv2:owned", async () =>
        {
            var (elb, ct) = (context.Session.ElbV2, context.CancellationToken);
            var balancers = await elb.DescribeLoadBalancersItemsAsync(new Elb.DescribeLoadBalancersRequest(), ct).ToListAsync(ct).ConfigureAwait(false);
            var groups = await elb.DescribeTargetGroupsItemsAsync(new Elb.DescribeTargetGroupsRequest(), ct).ToListAsync(ct).ConfigureAwait(false);
            var arns = balancers.Select(b => b.LoadBalancerArn).Concat(groups.Select(g => g.TargetGroupArn)).OfType<string>().ToList();
            var tags = await Instance.ReadAsync(context.Session, arns, ct).ConfigureAwait(false);
            bool Owned(string? arn) => arn is not null && tags.TryGetValue(arn, out var t) && context.Scope.Owns(t);
            return new OwnedElbV2([.. balancers.Where(b => Owned(b.LoadBalancerArn))], [.. groups.Where(g => Owned(g.TargetGroupArn))]);
        });
    }

    private static async Task<IReadOnlyList<Elb.TagDescription>> DescribeAsync(AwsSession session, string[] batch, CancellationToken ct)
    {
        try
        {
            return (await session.ElbV2.DescribeTagsAsync(new Elb.DescribeTagsRequest { ResourceArns = batch }, ct).ConfigureAwait(false)).TagDescriptions ?? [];
        }
        catch (AwsApiException e) when (e.ErrorCode is "LoadBalancerNotFound" or "TargetGroupNotFound" or "ListenerNotFound")
        {
            // One of the batch went away between the calls: ask one by one, leaving out what is gone.
            var result = new List<Elb.TagDescription>();
            foreach (var arn in batch)
            {
                try
                {
                    var one = await session.ElbV2.DescribeTagsAsync(new Elb.DescribeTagsRequest { ResourceArns = [arn] }, ct).ConfigureAwait(false);
                    result.AddRange(one.TagDescriptions ?? []);
                }
                catch (AwsApiException gone) when (gone.ErrorCode is "LoadBalancerNotFound" or "TargetGroupNotFound" or "ListenerNotFound")
                {
                    // gone
                }
            }

            return result;
        }
    }
}

/// <summary>The app's load balancers and target groups.</summary>
/// <param name="LoadBalancers">The load balancers carrying the app's tags.</param>
/// <param name="TargetGroups">The target groups carrying the app's tags.</param>
public sealed record OwnedElbV2(IReadOnlyList<Elb.LoadBalancer> LoadBalancers, IReadOnlyList<Elb.TargetGroup> TargetGroups);

using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;

namespace Aspire.Deployer.Resources;

/// <summary>An Application Load Balancer.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Owner">Null: the app's services share it.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="Scheme"><c>internet-facing</c> or <c>internal</c> (AWS cannot change it).</param>
/// <param name="Type"><c>application</c> (AWS cannot change it).</param>
/// <param name="IpAddressType"><c>ipv4</c> or <c>dualstack</c>.</param>
/// <param name="SubnetIds">Its subnets, one per availability zone.</param>
/// <param name="SecurityGroupNames">Its security groups, by name.</param>
/// <param name="Attributes">The attributes that must have these values (others are left alone).</param>
public sealed record LoadBalancerSpec(
    string Name,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    string Scheme,
    string Type,
    string IpAddressType,
    IReadOnlyList<string> SubnetIds,
    IReadOnlyList<string> SecurityGroupNames,
    IReadOnlyDictionary<string, string> Attributes)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => LoadBalancerKind.Instance;

    /// <inheritdoc />
    public override string Describe() =>
        $"{Scheme} {Type}, {IpAddressType}, {SubnetIds.Count} subnets, security group {string.Join(", ", SecurityGroupNames)}, " +
        string.Join(", ", Attributes.Select(a => $"{a.Key}={a.Value}"));
}

/// <summary>
/// The one internet-facing Application Load Balancer of an app and environment (when a service has an external endpoint), in the network's subnets, dropping
/// invalid header fields (Security Hub ELB.4), its access logs in a given bucket (ELB.5). Destroy waits until it is gone, so its network interfaces release
/// the security groups.
/// </summary>
public sealed class LoadBalancerKind : ResourceKind<LoadBalancerSpec>
{
    /// <summary>The attribute that drops headers with invalid names (Security Hub ELB.4).</summary>
    public const string DropInvalidHeaderFieldsAttribute = "routing.http.drop_invalid_header_fields.enabled";

    /// <summary>The attribute that turns access logs to S3 on (Security Hub ELB.5).</summary>
    public const string AccessLogsEnabledAttribute = "access_logs.s3.enabled";

    /// <summary>The kind.</summary>
    public static LoadBalancerKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "LoadBalancer";

    /// <inheritdoc />
    public override string Label => "load balancer";

    /// <inheritdoc />
    public override BatchTagReader BatchTags => ElbV2Tags.Instance;

    /// <inheritdoc />
    protected override IEnumerable<LoadBalancerSpec> DesiredSpecs(DesiredContext context)
    {
        if (context.LoadBalanced.Count == 0)
        {
            yield break;
        }

        var first = context.LoadBalanced[0].Names;
        yield return new LoadBalancerSpec(first.LoadBalancer, null, first.SharedTags, "internet-facing", "application", "ipv4",
            context.Network.SubnetIds, [first.LoadBalancerSecurityGroup], Attributes(context.Deployment));
    }

    /// <summary>
    /// The attributes a deploy sets: invalid header fields dropped, and access logs (Security Hub ELB.5) to
    /// <see cref="DeploymentDescription.AccessLogsBucket"/> under the prefix <c>app-environment</c>, or off when no
    /// bucket is given (so removing the setting turns them off again).
    /// </summary>
    /// <param name="deployment">The deployment.</param>
    public static IReadOnlyDictionary<string, string> Attributes(DeploymentDescription deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal) { [DropInvalidHeaderFieldsAttribute] = "true" };
        if (deployment.AccessLogsBucket is { } bucket)
        {
            attributes[AccessLogsEnabledAttribute] = "true";
            attributes["access_logs.s3.bucket"] = bucket;
            attributes["access_logs.s3.prefix"] = $"{deployment.App}-{deployment.Environment}";
        }
        else
        {
            attributes[AccessLogsEnabledAttribute] = "false";
        }

        return attributes;
    }

    /// <summary>The load balancer of this name, or null.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="name">Its name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static async Task<Elb.LoadBalancer?> DescribeAsync(AwsSession session, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            var response = await session.ElbV2.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { Names = [name] }, cancellationToken).ConfigureAwait(false);
            return response.LoadBalancers?.FirstOrDefault(l => l.LoadBalancerName == name);
        }
        catch (AwsApiException e) when (e.ErrorCode == "LoadBalancerNotFound")
        {
            return null;
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var found = new List<ObservedResource>();
        foreach (var spec in context.DesiredOf<LoadBalancerSpec>())
        {
            if (await DescribeAsync(context.Session, spec.Name, context.CancellationToken).ConfigureAwait(false) is not { LoadBalancerArn: { } arn } lb)
            {
                continue;
            }

            var attributes = await context.Session.ElbV2.DescribeLoadBalancerAttributesAsync(
                new Elb.DescribeLoadBalancerAttributesRequest { LoadBalancerArn = arn }, context.CancellationToken).ConfigureAwait(false);
            found.Add(new ObservedResource(
                spec with
                {
                    Tags = new Dictionary<string, string>(),
                    Scheme = lb.Scheme ?? "",
                    Type = lb.Type ?? "",
                    IpAddressType = lb.IpAddressType ?? "",
                    SubnetIds = [.. (lb.AvailabilityZones ?? []).Select(z => z.SubnetId).OfType<string>()],
                    SecurityGroupNames = [.. (lb.SecurityGroups ?? []).Select(id => context.NameOf(SecurityGroupKind.Instance, id))],
                    Attributes = Tags.ToDictionary(attributes.Attributes, a => a.Key, a => a.Value),
                },
                arn,
                lb.DNSName));
        }

        return found;
    }

    /// <inheritdoc />
    protected override void Compare(LoadBalancerSpec desired, LoadBalancerSpec current, Diff diff)
    {
        diff.Compare("scheme", current.Scheme, desired.Scheme, "AWS cannot change a load balancer's scheme");
        diff.Compare("type", current.Type, desired.Type, "AWS cannot change a load balancer's type");
        diff.Compare("IP address type", current.IpAddressType, desired.IpAddressType);
        diff.Set("subnets", current.SubnetIds, desired.SubnetIds);
        diff.Set("security groups", current.SecurityGroupNames, desired.SecurityGroupNames);
        diff.Map("attribute", current.Attributes, desired.Attributes, desiredKeysOnly: true);
    }

    /// <inheritdoc />
    protected override PlannedChange Cascade(PlannedChange change, LoadBalancerSpec desired, PlanContext context)
    {
        foreach (var group in desired.SecurityGroupNames.Where(g => context.ChangeOf(SecurityGroupKind.Instance, g)?.Action == ChangeAction.Replace))
        {
            change = change.Touched("security group " + group, "current", "replaced");
        }

        return change;
    }

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<LoadBalancerSpec> change, ApplyContext context)
    {
        var (spec, elb, ct) = (change.Desired, context.Session.ElbV2, context.CancellationToken);
        // ELBv2 answers a repeated create with the same settings with the existing load balancer (moto makes a
        // second one); different settings under the name are DuplicateLoadBalancerName.
        var balancer = await Converge.CreateOrFindAsync(["DuplicateLoadBalancerName"],
            () => Converge.CreateOnceAsync(context.Session,
                async () => (await elb.CreateLoadBalancerAsync(new Elb.CreateLoadBalancerRequest
                {
                    Name = spec.Name,
                    Scheme = spec.Scheme,
                    Type = spec.Type,
                    IpAddressType = spec.IpAddressType,
                    Subnets = spec.SubnetIds,
                    SecurityGroups = SecurityGroupIds(spec, context),
                    Tags = AwsTags(spec),
                }, ct).ConfigureAwait(false)).LoadBalancers![0],
                () => DescribeAsync(context.Session, spec.Name, ct), ct),
            async () => await DescribeAsync(context.Session, spec.Name, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Load balancer {spec.Name} exists (DuplicateLoadBalancerName) but could not be described.")).ConfigureAwait(false);
        Made(context, spec.Name, balancer.LoadBalancerArn!, balancer.DNSName);
        await AttributesAsync(spec, null, context).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task UpdateAsync(Change<LoadBalancerSpec> change, ApplyContext context)
    {
        var (spec, current, elb, ct) = (change.Desired, change.Current!, context.Session.ElbV2, context.CancellationToken);
        var arn = context.Id(this, spec.Name);
        await AttributesAsync(spec, current, context).ConfigureAwait(false);
        if (!current.SecurityGroupNames.Order(StringComparer.Ordinal).SequenceEqual(spec.SecurityGroupNames.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            await elb.SetSecurityGroupsAsync(new Elb.SetSecurityGroupsRequest { LoadBalancerArn = arn, SecurityGroups = SecurityGroupIds(spec, context) }, ct).ConfigureAwait(false);
        }

        if (!current.SubnetIds.Order(StringComparer.Ordinal).SequenceEqual(spec.SubnetIds.Order(StringComparer.Ordinal), StringComparer.Ordinal)
            || current.IpAddressType != spec.IpAddressType)
        {
            context.Progress?.Warn($"Load balancer {spec.Name}: subnets or IP address type differ from the model; the deployer leaves them (change them in EC2, or destroy and deploy).");
        }

        if (change.TagsDiffer)
        {
            await AddTagsAsync(context.Session, arn, spec.Tags, ct).ConfigureAwait(false);
        }
    }

    private async Task AttributesAsync(LoadBalancerSpec spec, LoadBalancerSpec? current, ApplyContext context)
    {
        var attributes = spec.Attributes.Where(a => current?.Attributes.GetValueOrDefault(a.Key) != a.Value).ToList();
        if (attributes.Count > 0)
        {
            await context.Session.ElbV2.ModifyLoadBalancerAttributesAsync(new Elb.ModifyLoadBalancerAttributesRequest
            {
                LoadBalancerArn = context.Id(this, spec.Name),
                Attributes = [.. attributes.Select(a => new Elb.LoadBalancerAttribute { Key = a.Key, Value = a.Value })],
            }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    private static List<string> SecurityGroupIds(LoadBalancerSpec spec, ApplyContext context) =>
        [.. spec.SecurityGroupNames.Select(n => context.Id(SecurityGroupKind.Instance, n))];

    /// <summary>Adds (or overwrites) tags on an ELBv2 resource.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="arn">The resource.</param>
    /// <param name="tags">The tags.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    internal static Task AddTagsAsync(AwsSession session, string arn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        session.ElbV2.AddTagsAsync(new Elb.AddTagsRequest { ResourceArns = [arn], Tags = Tags.ToList(tags, (k, v) => new Elb.Tag { Key = k, Value = v }) }, cancellationToken);

    private static List<Elb.Tag> AwsTags(LoadBalancerSpec spec) => Tags.ToList(spec.Tags, (k, v) => new Elb.Tag { Key = k, Value = v });

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        var owned = await ElbV2Tags.OwnedAsync(context).ConfigureAwait(false);
        return [.. owned.LoadBalancers.Select(b => new FoundResource(this, b.LoadBalancerName ?? b.LoadBalancerArn!, b.LoadBalancerArn!, State: b.DNSName))];
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        var (elb, ct) = (context.Session.ElbV2, context.CancellationToken);
        await Converge.TolerateAsync(() => elb.DeleteLoadBalancerAsync(new Elb.DeleteLoadBalancerRequest { LoadBalancerArn = resource.Id }, ct), "LoadBalancerNotFound")
            .ConfigureAwait(false);
        context.Progress.Info($"deleting load balancer {resource.Name}; waiting until it is gone");
        await context.WaitGoneAsync(resource, context.Options.LoadBalancerTimeout, async () =>
        {
            try
            {
                var response = await elb.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { LoadBalancerArns = [resource.Id] }, ct).ConfigureAwait(false);
                return response.LoadBalancers is not { Count: > 0 };
            }
            catch (AwsApiException e) when (e.ErrorCode == "LoadBalancerNotFound")
            {
                return true;
            }
        }, "AWS is still deleting it; run destroy again in a few minutes").ConfigureAwait(false);
        context.Removed(resource, $"removed load balancer {resource.Name}");
    }
}

using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;

namespace Aspire.Deployer.Resources;

/// <summary>A CloudWatch log group.</summary>
/// <param name="Name">The log group name.</param>
/// <param name="Owner">The Aspire resource whose logs it receives.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="RetentionDays">Days the logs are kept (null: forever).</param>
public sealed record LogGroupSpec(string Name, string? Owner, IReadOnlyDictionary<string, string> Tags, int? RetentionDays)
    : ResourceSpec(Name, Owner, Tags)
{
    /// <inheritdoc />
    public override ResourceKind Kind => LogGroupKind.Instance;

    /// <inheritdoc />
    public override string Describe() => $"retention {Retention(RetentionDays)}";

    /// <summary>A retention as the plan shows it.</summary>
    /// <param name="days">Days, or null for forever.</param>
    public static string Retention(int? days) => days is { } d ? Num(d) + " days" : "never expires";
}

/// <summary>CloudWatch log groups, one per service, receiving its containers' logs (awslogs driver) with a retention.</summary>
public sealed class LogGroupKind : ResourceKind<LogGroupSpec>
{
    /// <summary>The kind.</summary>
    public static LogGroupKind Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "LogGroup";

    /// <inheritdoc />
    public override string Label => "log group";

    /// <inheritdoc />
    protected override IEnumerable<LogGroupSpec> DesiredSpecs(DesiredContext context) =>
        context.Services.Select(s => new LogGroupSpec(s.Names.LogGroup, s.Names.Resource, s.Names.Tags, s.Options.LogRetentionDays));

    /// <inheritdoc />
    public override async Task<IReadOnlyList<ObservedResource>> ReadAsync(ReadContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (logs, ct) = (context.Session.Logs, context.CancellationToken);
        var found = new List<ObservedResource>();
        foreach (var spec in context.DesiredOf<LogGroupSpec>())
        {
            // A prefix also matches longer names: keep the exact one.
            var group = await logs.DescribeLogGroupsItemsAsync(new Logs.DescribeLogGroupsRequest { LogGroupNamePrefix = spec.Name }, ct)
                .FirstOrDefaultAsync(g => g.LogGroupName == spec.Name, ct).ConfigureAwait(false);
            if (group is null)
            {
                continue;
            }

            var arn = ArnOf(group, spec.Name);
            try
            {
                var tags = (await logs.ListTagsForResourceAsync(new Logs.ListTagsForResourceRequest { ResourceArn = arn }, ct).ConfigureAwait(false)).Tags;
                found.Add(new ObservedResource(spec with { Tags = tags ?? new Dictionary<string, string>(), RetentionDays = group.RetentionInDays }, arn));
            }
            catch (AwsApiException e) when (e.ErrorCode == "ResourceNotFoundException")
            {
                // deleted between the two calls
            }
        }

        return found;
    }

    /// <inheritdoc />
    protected override void Compare(LogGroupSpec desired, LogGroupSpec current, Diff diff) =>
        diff.Compare("retention", Days(current.RetentionDays), Days(desired.RetentionDays));

    /// <inheritdoc />
    protected override async Task CreateAsync(Change<LogGroupSpec> change, ApplyContext context)
    {
        var (spec, logs, ct) = (change.Desired, context.Session.Logs, context.CancellationToken);
        // An interrupted run may have made it already; the retention is set either way.
        await Converge.TolerateAsync(() => logs.CreateLogGroupAsync(new Logs.CreateLogGroupRequest { LogGroupName = spec.Name, Tags = spec.Tags }, ct),
            "ResourceAlreadyExistsException").ConfigureAwait(false);
        await SetRetentionAsync(spec, null, context).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task UpdateAsync(Change<LogGroupSpec> change, ApplyContext context)
    {
        var (spec, logs, ct) = (change.Desired, context.Session.Logs, context.CancellationToken);
        await SetRetentionAsync(spec, change.Current, context).ConfigureAwait(false);
        if (change.TagsDiffer)
        {
            await logs.TagResourceAsync(new Logs.TagResourceRequest { ResourceArn = change.Observed!.Id, Tags = spec.Tags }, ct).ConfigureAwait(false);
        }
    }

    private static async Task SetRetentionAsync(LogGroupSpec spec, LogGroupSpec? current, ApplyContext context)
    {
        if (spec.RetentionDays is { } days && current?.RetentionDays != days)
        {
            await context.Session.Logs.PutRetentionPolicyAsync(new Logs.PutRetentionPolicyRequest { LogGroupName = spec.Name, RetentionInDays = days },
                context.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FoundResource>> FindAsync(FindContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (logs, scope, ct) = (context.Session.Logs, context.Scope, context.CancellationToken);
        var result = new List<FoundResource>();
        await foreach (var group in logs.DescribeLogGroupsItemsAsync(new Logs.DescribeLogGroupsRequest { LogGroupNamePrefix = scope.LogGroupPrefix }, ct).ConfigureAwait(false))
        {
            if (group.LogGroupName is not { } name)
            {
                continue;
            }

            var arn = ArnOf(group, name);
            try
            {
                var tags = (await logs.ListTagsForResourceAsync(new Logs.ListTagsForResourceRequest { ResourceArn = arn }, ct).ConfigureAwait(false)).Tags;
                if (scope.Owns(tags))
                {
                    result.Add(new FoundResource(this, name, arn, IsPerService: true));
                }
            }
            catch (AwsApiException e) when (e.ErrorCode == "ResourceNotFoundException")
            {
                // gone since it was listed
            }
        }

        return result;
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(FoundResource resource, DestroyContext context)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        await Converge.TolerateAsync(() => context.Session.Logs.DeleteLogGroupAsync(new Logs.DeleteLogGroupRequest { LogGroupName = resource.Name }, context.CancellationToken),
            "ResourceNotFoundException").ConfigureAwait(false);
        context.Removed(resource, $"removed log group {resource.Name} (its log events with it)");
    }

    // Older answers carry only "arn" ending in ":*"; newer ones logGroupArn without it.
    private static string ArnOf(Logs.LogGroup group, string name) =>
        group.LogGroupArn ?? (group.Arn is { } a && a.EndsWith(":*", StringComparison.Ordinal) ? a[..^2] : group.Arn) ?? name;

    private static string Days(int? days) => days?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "never expires";
}

using Aspire.Deployer.Reporting;
using System.Globalization;
using System.Text.Json;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Aws.Ec2;
using Aspire.Deployer.Images;
using Aspire.Deployer.Plan;
using AutoScaling = Aspire.Deployer.Aws.ApplicationAutoScaling;
using Ecr = Aspire.Deployer.Aws.Ecr;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Iam = Aspire.Deployer.Aws.Iam;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;

namespace Aspire.Deployer.Apply;

/// <summary>What applying a plan made or found: the ids the wait and the summary need.</summary>
/// <param name="MutatingCalls">How many mutating AWS calls were made (0 when nothing differed).</param>
/// <param name="ClusterName">The ECS cluster.</param>
/// <param name="LoadBalancerDnsName">The load balancer's DNS name, when it exists.</param>
/// <param name="TaskDefinitionArns">The task definition revision each service runs, by Aspire resource.</param>
/// <param name="TargetGroupArns">The target group of each service, by Aspire resource.</param>
public sealed record ApplyResult(
    int MutatingCalls,
    string? ClusterName,
    string? LoadBalancerDnsName,
    IReadOnlyDictionary<string, string> TaskDefinitionArns,
    IReadOnlyDictionary<string, string> TargetGroupArns);

/// <summary>
/// Executes a plan's changes in their dependency order, idempotently: creates what is missing (tagged), changes in
/// place what AWS can change, replaces what it cannot, and does nothing for unchanged resources. Crash-safe: every
/// resource is found by its deterministic name (security groups by the app's tags), a retried create that finds
/// the resource already there re-reads it instead of failing, a service that already exists is updated, and a task
/// definition revision that already matches (registered by a run that was killed before it updated the service)
/// is reused instead of registering another.
/// </summary>
/// <param name="session">The AWS session.</param>
/// <param name="progress">Where each change is reported; null for nowhere.</param>
public sealed class PlanApplier(AwsSession session, IDeployProgress? progress = null)
{
    private readonly Dictionary<(ResourceKind Kind, string Name), string> _ids = [];
    private DeploymentPlan _plan = null!;
    private string? _loadBalancerDns;
    private int _mutations;

    /// <summary>Applies <paramref name="plan"/>. Every service's task definition must carry its image.</summary>
    /// <param name="plan">A plan computed by <see cref="PlanVerb"/> (with its desired and current state).</param>
    /// <param name="cancellationToken">Cancels between and during calls; a rerun converges.</param>
    /// <returns>The ids the wait and the summary need.</returns>
    /// <exception cref="AwsApiException">A call failed (wrapped with what was being done).</exception>
    /// <exception cref="InvalidOperationException">The plan has no desired state, an image is missing, or a change cannot be made automatically.</exception>
    public async Task<ApplyResult> ApplyAsync(DeploymentPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _plan = plan;
        var desired = plan.Desired ?? throw new InvalidOperationException("The plan carries no desired state; make it with PlanVerb.");
        var current = plan.Current ?? CurrentState.Empty;
        foreach (var observed in current.Resources)
        {
            _ids[(observed.Spec.Kind, observed.Spec.Name)] = observed.Id;
        }

        _loadBalancerDns = current.Resources.FirstOrDefault(r => r.Spec.Kind == ResourceKind.LoadBalancer)?.Address;
        var specs = desired.Resources.ToDictionary(r => (r.Kind, r.Name));

        foreach (var change in plan.Changes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (change.Action == ChangeAction.Unchanged)
            {
                continue;
            }

            var label = $"{DeploymentPlan.KindLabel(change.Kind)} {change.Name}";
            try
            {
                if (change.Action == ChangeAction.Delete)
                {
                    await DeleteAsync(change, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var spec = specs[(change.Kind, change.Name)];
                var observed = current.Find(change.Kind, change.Name);
                progress?.Info($"{Verb(change.Action)} {label}");
                await ApplyAsync(change, spec, observed, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsApiException e)
            {
                throw new DeployApplyException($"Failed to {Infinitive(change.Action)} {label}: {e.Message}", e);
            }
        }

        var services = desired.OfType<EcsServiceSpec>().ToList();
        return new ApplyResult(
            _mutations,
            desired.OfType<ClusterSpec>().FirstOrDefault()?.Name,
            _loadBalancerDns,
            services.Where(s => s.Owner is not null && _ids.ContainsKey((ResourceKind.TaskDefinition, s.TaskFamily)))
                .ToDictionary(s => s.Owner!, s => _ids[(ResourceKind.TaskDefinition, s.TaskFamily)]),
            services.Where(s => s.Owner is not null && s.TargetGroupName is not null && _ids.ContainsKey((ResourceKind.TargetGroup, s.TargetGroupName)))
                .ToDictionary(s => s.Owner!, s => _ids[(ResourceKind.TargetGroup, s.TargetGroupName!)]));
    }

    private static string Verb(ChangeAction action) => action switch
    {
        ChangeAction.Create => "Creating",
        ChangeAction.Update => "Updating",
        ChangeAction.Replace => "Replacing",
        ChangeAction.Delete => "Deleting",
        _ => "Checking",
    };

    private static string Infinitive(ChangeAction action) => action switch
    {
        ChangeAction.Create => "create",
        ChangeAction.Update => "update",
        ChangeAction.Replace => "replace",
        ChangeAction.Delete => "delete",
        _ => "check",
    };

    // A mutating call: counted, so the summary can say how many were made.
    private async Task<T> Mutate<T>(Func<Task<T>> call)
    {
        _mutations++;
        return await call().ConfigureAwait(false);
    }

    private async Task Mutate(Func<Task> call)
    {
        _mutations++;
        await call().ConfigureAwait(false);
    }

    // Creates a resource, or finds the one an earlier attempt made: AWS refuses the create with `alreadyExists`
    // (after an interrupted run, or a retry whose first answer was lost). Either way the caller gets the resource.
    private static async Task<T> CreateOrFindAsync<T>(string alreadyExists, Func<Task<T>> create, Func<Task<T>> find)
    {
        try
        {
            return await create().ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == alreadyExists)
        {
            return await find().ConfigureAwait(false);
        }
    }

    private async Task<Elb.LoadBalancer?> FindLoadBalancerAsync(string name, CancellationToken ct)
    {
        try
        {
            return (await session.ElbV2.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { Names = [name] }, ct).ConfigureAwait(false)).LoadBalancers?.FirstOrDefault();
        }
        catch (AwsApiException e) when (e.ErrorCode == "LoadBalancerNotFound")
        {
            return null;
        }
    }

    // For creates AWS does not refuse when repeated (RegisterTaskDefinition makes a new revision each time; moto
    // also repeats CreateLoadBalancer and CreateListener): each attempt is sent once, and after a failure that may
    // hide a success (a 5xx, a timeout, a dropped connection) AWS is asked for the resource before trying again,
    // so an answer lost on its way back never makes a second one.
    private async Task<T> CreateOnceAsync<T>(Func<Task<T>> create, Func<Task<T?>> find, CancellationToken ct)
        where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using (AwsAttemptScope.SingleAttempt())
                {
                    return await create().ConfigureAwait(false);
                }
            }
            catch (AwsApiException e) when (e.IsTransient && attempt < Math.Max(1, session.Retry.MaxAttempts))
            {
                if (await find().ConfigureAwait(false) is { } made)
                {
                    return made;
                }

                var delay = AwsRetryPolicy.Backoff(session.Retry, attempt);
                session.Options.OnRetry?.Invoke(new AwsRetryEvent(e.Service, e.Operation, attempt, delay, e));
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
        }
    }

    private string Id(ResourceKind kind, string name) =>
        _ids.TryGetValue((kind, name), out var id) ? id
        : throw new InvalidOperationException($"{DeploymentPlan.KindLabel(kind)} {name} should exist by now but was neither found nor made.");

    private static bool OnlyTags(PlannedChange change) => change.Changes.All(p => p.Property.StartsWith("tag ", StringComparison.Ordinal));

    private static bool TagsDiffer(PlannedChange change) => change.Changes.Any(p => p.Property.StartsWith("tag ", StringComparison.Ordinal));

    private Task ApplyAsync(PlannedChange change, ResourceSpec spec, ObservedResource? observed, CancellationToken ct) => spec switch
    {
        EcrRepositorySpec r => RepositoryAsync(change, r, observed, ct),
        LogGroupSpec l => LogGroupAsync(change, l, observed, ct),
        IamRoleSpec r => RoleAsync(change, r, observed, ct),
        SecurityGroupSpec g => SecurityGroupAsync(change, g, observed, ct),
        LoadBalancerSpec lb => LoadBalancerAsync(change, lb, observed, ct),
        TargetGroupSpec tg => TargetGroupAsync(change, tg, observed, ct),
        ListenerSpec l => ListenerAsync(l, ct),
        ClusterSpec c => ClusterAsync(change, c, observed, ct),
        TaskDefinitionSpec td => TaskDefinitionAsync(change, td, ct),
        EcsServiceSpec s => ServiceAsync(change, s, ct),
        AutoScalingSpec a => AutoScalingAsync(a, ct),
        _ => throw new InvalidOperationException($"Cannot apply a {spec.GetType().Name}."),
    };

    // ---- ECR ---------------------------------------------------------------------------------------------------

    private async Task RepositoryAsync(PlannedChange change, EcrRepositorySpec spec, ObservedResource? observed, CancellationToken ct)
    {
        var ecr = session.Ecr;
        if (observed is null)
        {
            try
            {
                var created = await Mutate(() => ecr.CreateRepositoryAsync(new Ecr.CreateRepositoryRequest
                {
                    RepositoryName = spec.Name,
                    ImageTagMutability = spec.ImmutableTags ? Ecr.ImageTagMutability.Immutable : Ecr.ImageTagMutability.Mutable,
                    ImageScanningConfiguration = new Ecr.ImageScanningConfiguration { ScanOnPush = spec.ScanOnPush },
                    Tags = [.. spec.Tags.Select(t => new Ecr.Tag { Key = t.Key, Value = t.Value })],
                }, ct)).ConfigureAwait(false);
                _ids[(spec.Kind, spec.Name)] = created.Repository?.RepositoryArn ?? spec.Name;
                return;
            }
            catch (AwsApiException e) when (e.ErrorCode == "RepositoryAlreadyExistsException")
            {
                // Made by an earlier, interrupted run (or the image step): converge its settings below.
                var found = await ecr.DescribeRepositoriesAsync(new Ecr.DescribeRepositoriesRequest { RepositoryNames = [spec.Name] }, ct).ConfigureAwait(false);
                _ids[(spec.Kind, spec.Name)] = found.Repositories?.FirstOrDefault()?.RepositoryArn ?? spec.Name;
                change = change with { Changes = [new PropertyChange("scan on push", null, null), new PropertyChange("tag mutability", null, null), new PropertyChange("tag *", null, null)] };
                observed = null;
            }
        }

        var current = observed?.Spec as EcrRepositorySpec;
        if (current is null || current.ScanOnPush != spec.ScanOnPush)
        {
            await Mutate(() => ecr.PutImageScanningConfigurationAsync(new Ecr.PutImageScanningConfigurationRequest
            {
                RepositoryName = spec.Name,
                ImageScanningConfiguration = new Ecr.ImageScanningConfiguration { ScanOnPush = spec.ScanOnPush },
            }, ct)).ConfigureAwait(false);
        }

        if (current is null || current.ImmutableTags != spec.ImmutableTags)
        {
            await Mutate(() => ecr.PutImageTagMutabilityAsync(new Ecr.PutImageTagMutabilityRequest
            {
                RepositoryName = spec.Name,
                ImageTagMutability = spec.ImmutableTags ? Ecr.ImageTagMutability.Immutable : Ecr.ImageTagMutability.Mutable,
            }, ct)).ConfigureAwait(false);
        }

        if (TagsDiffer(change))
        {
            await Mutate(() => ecr.TagResourceAsync(new Ecr.TagResourceRequest
            {
                ResourceArn = Id(spec.Kind, spec.Name),
                Tags = [.. spec.Tags.Select(t => new Ecr.Tag { Key = t.Key, Value = t.Value })],
            }, ct)).ConfigureAwait(false);
        }
    }

    // ---- CloudWatch Logs ---------------------------------------------------------------------------------------

    private async Task LogGroupAsync(PlannedChange change, LogGroupSpec spec, ObservedResource? observed, CancellationToken ct)
    {
        var logs = session.Logs;
        if (observed is null)
        {
            try
            {
                await Mutate(() => logs.CreateLogGroupAsync(new Logs.CreateLogGroupRequest { LogGroupName = spec.Name, Tags = spec.Tags }, ct)).ConfigureAwait(false);
            }
            catch (AwsApiException e) when (e.ErrorCode == "ResourceAlreadyExistsException")
            {
                // An interrupted run made it; the retention below is set either way.
            }
        }

        if (spec.RetentionDays is { } days && (observed?.Spec as LogGroupSpec)?.RetentionDays != days)
        {
            await Mutate(() => logs.PutRetentionPolicyAsync(new Logs.PutRetentionPolicyRequest { LogGroupName = spec.Name, RetentionInDays = days }, ct)).ConfigureAwait(false);
        }

        if (observed is not null && TagsDiffer(change))
        {
            await Mutate(() => logs.TagResourceAsync(new Logs.TagResourceRequest { ResourceArn = observed.Id, Tags = spec.Tags }, ct)).ConfigureAwait(false);
        }
    }

    // ---- IAM ---------------------------------------------------------------------------------------------------

    /// <summary>The trust policy letting <paramref name="services"/> assume a role.</summary>
    internal static string TrustPolicy(IEnumerable<string> services) => JsonSerializer.Serialize(new
    {
        Version = "2012-10-17",
        Statement = services.Select(s => new { Effect = "Allow", Principal = new { Service = s }, Action = "sts:AssumeRole" }),
    });

    private async Task RoleAsync(PlannedChange change, IamRoleSpec spec, ObservedResource? observed, CancellationToken ct)
    {
        var iam = session.Iam;
        var current = observed?.Spec as IamRoleSpec;
        if (observed is null)
        {
            var role = await CreateOrFindAsync("EntityAlreadyExists",
                async () => (await Mutate(() => iam.CreateRoleAsync(new Iam.CreateRoleRequest
                {
                    RoleName = spec.Name,
                    AssumeRolePolicyDocument = TrustPolicy(spec.TrustedServices),
                    Tags = [.. spec.Tags.Select(t => new Iam.Tag { Key = t.Key, Value = t.Value })],
                }, ct)).ConfigureAwait(false)).Role,
                async () => (await iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = spec.Name }, ct).ConfigureAwait(false)).Role).ConfigureAwait(false);
            _ids[(spec.Kind, spec.Name)] = role.Arn;

            // Attaching is idempotent: after a crash the policy may already be there.
            current = spec with { ManagedPolicyArns = [] };
        }
        else if (!current!.TrustedServices.Order(StringComparer.Ordinal).SequenceEqual(spec.TrustedServices.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            await Mutate(() => iam.UpdateAssumeRolePolicyAsync(new Iam.UpdateAssumeRolePolicyRequest { RoleName = spec.Name, PolicyDocument = TrustPolicy(spec.TrustedServices) }, ct))
                .ConfigureAwait(false);
        }

        foreach (var policy in spec.ManagedPolicyArns.Except(current.ManagedPolicyArns, StringComparer.Ordinal))
        {
            await Mutate(() => iam.AttachRolePolicyAsync(new Iam.AttachRolePolicyRequest { RoleName = spec.Name, PolicyArn = policy }, ct)).ConfigureAwait(false);
        }

        foreach (var policy in current.ManagedPolicyArns.Except(spec.ManagedPolicyArns, StringComparer.Ordinal))
        {
            await Mutate(() => iam.DetachRolePolicyAsync(new Iam.DetachRolePolicyRequest { RoleName = spec.Name, PolicyArn = policy }, ct)).ConfigureAwait(false);
        }

        if (observed is not null && TagsDiffer(change))
        {
            await Mutate(() => iam.TagRoleAsync(new Iam.TagRoleRequest { RoleName = spec.Name, Tags = [.. spec.Tags.Select(t => new Iam.Tag { Key = t.Key, Value = t.Value })] }, ct)).ConfigureAwait(false);
        }
    }

    // ---- EC2 security groups -----------------------------------------------------------------------------------

    private Ec2IngressRule ToRule(IngressRuleSpec rule)
    {
        if (rule.Source.StartsWith(IngressRuleSpec.GroupPrefix, StringComparison.Ordinal))
        {
            var name = rule.Source[IngressRuleSpec.GroupPrefix.Length..];
            var id = _ids.GetValueOrDefault((ResourceKind.SecurityGroup, name), name);
            return new Ec2IngressRule(rule.Protocol, rule.FromPort, rule.ToPort, SourceSecurityGroupId: id);
        }

        return rule.Source.Contains(':', StringComparison.Ordinal)
            ? new Ec2IngressRule(rule.Protocol, rule.FromPort, rule.ToPort, CidrIpv6: rule.Source)
            : new Ec2IngressRule(rule.Protocol, rule.FromPort, rule.ToPort, CidrIpv4: rule.Source);
    }

    private async Task SecurityGroupAsync(PlannedChange change, SecurityGroupSpec spec, ObservedResource? observed, CancellationToken ct)
    {
        var ec2 = session.Ec2;
        if (change.Action == ChangeAction.Replace)
        {
            throw new InvalidOperationException(
                $"Security group {spec.Name} must be replaced ({change.Reason}); the deployer does not replace security groups in use. Run destroy, then deploy.");
        }

        IReadOnlyList<IngressRuleSpec> existing;
        if (observed is null)
        {
            _ids[(spec.Kind, spec.Name)] = await CreateOrFindAsync("InvalidGroup.Duplicate",
                () => Mutate(() => ec2.CreateSecurityGroupAsync(spec.Name, spec.Description, spec.VpcId, spec.Tags, ct)),
                async () =>
                {
                    var found = await ec2.DescribeSecurityGroupsByTagsAsync(spec.VpcId, spec.Tags, ct).ConfigureAwait(false);
                    return found.FirstOrDefault(g => g.GroupName == spec.Name)?.GroupId
                        ?? throw new InvalidOperationException($"A security group named {spec.Name} exists in {spec.VpcId} without the app's tags; it was not made by this deployer. Rename or remove it.");
                }).ConfigureAwait(false);
            existing = [];
        }
        else
        {
            existing = ((SecurityGroupSpec)observed.Spec).Ingress;
        }

        var groupId = Id(spec.Kind, spec.Name);
        var missing = spec.Ingress.Except(existing).ToList();
        var extra = existing.Except(spec.Ingress).ToList();
        if (missing.Count > 0)
        {
            try
            {
                await Mutate(() => ec2.AuthorizeSecurityGroupIngressAsync(groupId, [.. missing.Select(ToRule)], ct)).ConfigureAwait(false);
            }
            catch (AwsApiException e) when (e.ErrorCode == "InvalidPermission.Duplicate")
            {
                // Authorized by an interrupted run: add them one by one so the rest still get added.
                foreach (var rule in missing)
                {
                    try
                    {
                        await Mutate(() => ec2.AuthorizeSecurityGroupIngressAsync(groupId, [ToRule(rule)], ct)).ConfigureAwait(false);
                    }
                    catch (AwsApiException again) when (again.ErrorCode == "InvalidPermission.Duplicate")
                    {
                    }
                }
            }
        }

        if (extra.Count > 0)
        {
            await Mutate(() => ec2.RevokeSecurityGroupIngressAsync(groupId, [.. extra.Select(ToRule)], ct)).ConfigureAwait(false);
        }

        if (observed is not null && TagsDiffer(change))
        {
            await Mutate(() => ec2.CreateTagsAsync([groupId], spec.Tags, ct)).ConfigureAwait(false);
        }
    }

    // ---- ELBv2 -------------------------------------------------------------------------------------------------

    private async Task LoadBalancerAsync(PlannedChange change, LoadBalancerSpec spec, ObservedResource? observed, CancellationToken ct)
    {
        var elb = session.ElbV2;
        if (change.Action == ChangeAction.Replace)
        {
            throw new InvalidOperationException(
                $"Load balancer {spec.Name} must be replaced ({change.Reason}); the deployer does not replace a load balancer that serves traffic. Run destroy, then deploy.");
        }

        var groups = spec.SecurityGroupNames.Select(n => Id(ResourceKind.SecurityGroup, n)).ToList();
        var current = observed?.Spec as LoadBalancerSpec;
        if (observed is null)
        {
            // ELBv2 answers a repeated create with the same settings with the existing load balancer (moto makes a
            // second one); different settings under the name are DuplicateLoadBalancerName.
            var balancer = await CreateOrFindAsync("DuplicateLoadBalancerName",
                () => CreateOnceAsync(async () => (await Mutate(() => elb.CreateLoadBalancerAsync(new Elb.CreateLoadBalancerRequest
                {
                    Name = spec.Name,
                    Scheme = spec.Scheme,
                    Type = spec.Type,
                    IpAddressType = spec.IpAddressType,
                    Subnets = spec.SubnetIds,
                    SecurityGroups = groups,
                    Tags = [.. spec.Tags.Select(t => new Elb.Tag { Key = t.Key, Value = t.Value })],
                }, ct)).ConfigureAwait(false)).LoadBalancers![0], () => FindLoadBalancerAsync(spec.Name, ct), ct),
                async () => await FindLoadBalancerAsync(spec.Name, ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Load balancer {spec.Name} exists (DuplicateLoadBalancerName) but could not be described.")).ConfigureAwait(false);

            _ids[(spec.Kind, spec.Name)] = balancer.LoadBalancerArn!;
            _loadBalancerDns = balancer.DNSName;
        }

        var arn = Id(spec.Kind, spec.Name);
        var attributes = spec.Attributes.Where(a => current?.Attributes.GetValueOrDefault(a.Key) != a.Value).ToList();
        if (attributes.Count > 0)
        {
            await Mutate(() => elb.ModifyLoadBalancerAttributesAsync(new Elb.ModifyLoadBalancerAttributesRequest
            {
                LoadBalancerArn = arn,
                Attributes = [.. attributes.Select(a => new Elb.LoadBalancerAttribute { Key = a.Key, Value = a.Value })],
            }, ct)).ConfigureAwait(false);
        }

        if (current is not null)
        {
            if (!current.SecurityGroupNames.Order(StringComparer.Ordinal).SequenceEqual(spec.SecurityGroupNames.Order(StringComparer.Ordinal), StringComparer.Ordinal))
            {
                await Mutate(() => elb.SetSecurityGroupsAsync(new Elb.SetSecurityGroupsRequest { LoadBalancerArn = arn, SecurityGroups = groups }, ct)).ConfigureAwait(false);
            }

            if (!current.SubnetIds.Order(StringComparer.Ordinal).SequenceEqual(spec.SubnetIds.Order(StringComparer.Ordinal), StringComparer.Ordinal)
                || current.IpAddressType != spec.IpAddressType)
            {
                progress?.Warn($"Load balancer {spec.Name}: subnets or IP address type differ from the model; the deployer leaves them (change them in EC2, or destroy and deploy).");
            }

            if (TagsDiffer(change))
            {
                await AddElbTagsAsync(arn, spec.Tags, ct).ConfigureAwait(false);
            }
        }
    }

    private Task AddElbTagsAsync(string arn, IReadOnlyDictionary<string, string> tags, CancellationToken ct) =>
        Mutate(() => session.ElbV2.AddTagsAsync(new Elb.AddTagsRequest
        {
            ResourceArns = [arn],
            Tags = [.. tags.Select(t => new Elb.Tag { Key = t.Key, Value = t.Value })],
        }, ct));

    private async Task TargetGroupAsync(PlannedChange change, TargetGroupSpec spec, ObservedResource? observed, CancellationToken ct)
    {
        var elb = session.ElbV2;
        if (change.Action == ChangeAction.Replace && observed is not null)
        {
            await DetachAndDeleteTargetGroupAsync(spec, observed.Id, ct).ConfigureAwait(false);
            observed = null;
        }

        if (observed is null)
        {
            var group = await CreateOrFindAsync("DuplicateTargetGroupName",
                async () => (await Mutate(() => elb.CreateTargetGroupAsync(new Elb.CreateTargetGroupRequest
                {
                    Name = spec.Name,
                    Protocol = spec.Protocol,
                    Port = spec.Port,
                    VpcId = spec.VpcId,
                    TargetType = spec.TargetType,
                    HealthCheckProtocol = spec.HealthCheck.Protocol,
                    HealthCheckPath = spec.HealthCheck.Path,
                    HealthCheckIntervalSeconds = spec.HealthCheck.IntervalSeconds,
                    HealthCheckTimeoutSeconds = spec.HealthCheck.TimeoutSeconds,
                    HealthyThresholdCount = spec.HealthCheck.HealthyThreshold,
                    UnhealthyThresholdCount = spec.HealthCheck.UnhealthyThreshold,
                    Matcher = new Elb.Matcher { HttpCode = spec.HealthCheck.Matcher },
                    Tags = [.. spec.Tags.Select(t => new Elb.Tag { Key = t.Key, Value = t.Value })],
                }, ct)).ConfigureAwait(false)).TargetGroups![0],
                async () => (await elb.DescribeTargetGroupsAsync(new Elb.DescribeTargetGroupsRequest { Names = [spec.Name] }, ct).ConfigureAwait(false)).TargetGroups![0])
                .ConfigureAwait(false);

            _ids[(spec.Kind, spec.Name)] = group.TargetGroupArn!;
            await Mutate(() => elb.ModifyTargetGroupAttributesAsync(new Elb.ModifyTargetGroupAttributesRequest
            {
                TargetGroupArn = group.TargetGroupArn!,
                Attributes = [.. spec.Attributes.Select(a => new Elb.TargetGroupAttribute { Key = a.Key, Value = a.Value })],
            }, ct)).ConfigureAwait(false);
            return;
        }

        var current = (TargetGroupSpec)observed.Spec;
        var arn = observed.Id;
        if (current.HealthCheck != spec.HealthCheck)
        {
            await Mutate(() => elb.ModifyTargetGroupAsync(new Elb.ModifyTargetGroupRequest
            {
                TargetGroupArn = arn,
                HealthCheckProtocol = spec.HealthCheck.Protocol,
                HealthCheckPath = spec.HealthCheck.Path,
                HealthCheckIntervalSeconds = spec.HealthCheck.IntervalSeconds,
                HealthCheckTimeoutSeconds = spec.HealthCheck.TimeoutSeconds,
                HealthyThresholdCount = spec.HealthCheck.HealthyThreshold,
                UnhealthyThresholdCount = spec.HealthCheck.UnhealthyThreshold,
                Matcher = new Elb.Matcher { HttpCode = spec.HealthCheck.Matcher },
            }, ct)).ConfigureAwait(false);
        }

        var attributes = spec.Attributes.Where(a => current.Attributes.GetValueOrDefault(a.Key) != a.Value).ToList();
        if (attributes.Count > 0)
        {
            await Mutate(() => elb.ModifyTargetGroupAttributesAsync(new Elb.ModifyTargetGroupAttributesRequest
            {
                TargetGroupArn = arn,
                Attributes = [.. attributes.Select(a => new Elb.TargetGroupAttribute { Key = a.Key, Value = a.Value })],
            }, ct)).ConfigureAwait(false);
        }

        if (TagsDiffer(change))
        {
            await AddElbTagsAsync(arn, spec.Tags, ct).ConfigureAwait(false);
        }
    }

    // A target group in use cannot be deleted: the listeners forwarding to it go first (they are made again by the
    // listener step), and the service stops using it (the service step points it at the new one).
    private async Task DetachAndDeleteTargetGroupAsync(TargetGroupSpec spec, string arn, CancellationToken ct)
    {
        var elb = session.ElbV2;
        var desired = _plan.Desired!;
        if (desired.OfType<LoadBalancerSpec>().FirstOrDefault() is { } lb && _ids.TryGetValue((ResourceKind.LoadBalancer, lb.Name), out var lbArn))
        {
            var listeners = await elb.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lbArn }, ct).ToListAsync(ct).ConfigureAwait(false);
            foreach (var listener in listeners.Where(l => Forwards(l).Contains(arn)))
            {
                progress?.Info($"  deleting listener on port {listener.Port?.ToString(CultureInfo.InvariantCulture)} (it forwards to the old target group)");
                await Mutate(() => elb.DeleteListenerAsync(new Elb.DeleteListenerRequest { ListenerArn = listener.ListenerArn! }, ct)).ConfigureAwait(false);
            }
        }

        foreach (var service in desired.OfType<EcsServiceSpec>().Where(s => s.TargetGroupName == spec.Name))
        {
            if (_plan.Current?.Find(ResourceKind.EcsService, service.Name) is not null)
            {
                progress?.Info($"  detaching service {service.Name} from the old target group");
                await Mutate(() => session.Ecs.UpdateServiceAsync(new Ecs.UpdateServiceRequest { Cluster = service.ClusterName, Service = service.Name, LoadBalancers = [] }, ct)).ConfigureAwait(false);
            }
        }

        try
        {
            await Mutate(() => elb.DeleteTargetGroupAsync(new Elb.DeleteTargetGroupRequest { TargetGroupArn = arn }, ct)).ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == "TargetGroupNotFound")
        {
        }

        _ids.Remove((ResourceKind.TargetGroup, spec.Name));
    }

    private static List<string> Forwards(Elb.Listener listener) =>
        (listener.DefaultActions ?? [])
            .Where(a => a.Type == Elb.ActionTypeEnum.Forward)
            .SelectMany(a => a.ForwardConfig?.TargetGroups?.Select(t => t.TargetGroupArn) ?? [a.TargetGroupArn])
            .OfType<string>()
            .ToList();

    // Listeners are converged from what exists now (not from the plan's snapshot): a target group replacement may
    // have just deleted the one the plan saw.
    private async Task ListenerAsync(ListenerSpec spec, CancellationToken ct)
    {
        var elb = session.ElbV2;
        var lbArn = Id(ResourceKind.LoadBalancer, spec.LoadBalancerName);
        var tgArn = Id(ResourceKind.TargetGroup, spec.TargetGroupName);
        var listeners = await elb.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lbArn }, ct).ToListAsync(ct).ConfigureAwait(false);
        var listener = listeners.FirstOrDefault(l => Forwards(l).Contains(tgArn)) ?? listeners.FirstOrDefault(l => l.Port == spec.Port);
        var actions = new List<Elb.AwsAction> { new() { Type = Elb.ActionTypeEnum.Forward, TargetGroupArn = tgArn } };
        var certificates = spec.CertificateArn is null ? null : new List<Elb.Certificate> { new() { CertificateArn = spec.CertificateArn } };
        async Task<Elb.Listener?> OnPortAsync() =>
            (await elb.DescribeListenersItemsAsync(new Elb.DescribeListenersRequest { LoadBalancerArn = lbArn }, ct).ToListAsync(ct).ConfigureAwait(false))
                .FirstOrDefault(l => l.Port == spec.Port);
        if (listener is null)
        {
            try
            {
                // ELBv2 answers a repeated create with the same settings with the existing listener (moto makes a
                // second one): each attempt goes once, and a lost answer's listener is found on its port.
                var created = await CreateOnceAsync(
                    async () => (await Mutate(() => elb.CreateListenerAsync(new Elb.CreateListenerRequest
                    {
                        LoadBalancerArn = lbArn,
                        Port = spec.Port,
                        Protocol = spec.Protocol,
                        SslPolicy = spec.SslPolicy,
                        Certificates = certificates,
                        DefaultActions = actions,
                        Tags = [.. spec.Tags.Select(t => new Elb.Tag { Key = t.Key, Value = t.Value })],
                    }, ct)).ConfigureAwait(false)).Listeners![0],
                    OnPortAsync,
                    ct).ConfigureAwait(false);
                _ids[(spec.Kind, spec.Name)] = created.ListenerArn!;
                return;
            }
            catch (AwsApiException e) when (e.ErrorCode == "DuplicateListener")
            {
                listener = await OnPortAsync().ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"ELBv2 says a listener on port {spec.Port} of {spec.LoadBalancerName} exists (DuplicateListener), but none is listed.");
            }
        }

        var arn = listener.ListenerArn!;
        _ids[(spec.Kind, spec.Name)] = arn;
        var forwards = Forwards(listener);
        var secure = listener.Protocol is "HTTPS" or "TLS";
        var currentCertificate = secure ? listener.Certificates?.FirstOrDefault()?.CertificateArn : null;
        if (listener.Port != spec.Port || listener.Protocol != spec.Protocol || forwards.Count != 1 || forwards[0] != tgArn
            || currentCertificate != spec.CertificateArn || (secure ? listener.SslPolicy : null) != spec.SslPolicy)
        {
            await Mutate(() => elb.ModifyListenerAsync(new Elb.ModifyListenerRequest
            {
                ListenerArn = arn,
                Port = spec.Port,
                Protocol = spec.Protocol,
                SslPolicy = spec.SslPolicy,
                Certificates = certificates,
                DefaultActions = actions,
            }, ct)).ConfigureAwait(false);
        }

        var observed = _plan.Current?.Find(spec.Kind, spec.Name);
        if (observed is null || observed.Id != arn || spec.Tags.Any(t => observed.Spec.Tags.GetValueOrDefault(t.Key) != t.Value))
        {
            await AddElbTagsAsync(arn, spec.Tags, ct).ConfigureAwait(false);
        }
    }

    // ---- ECS ---------------------------------------------------------------------------------------------------

    private async Task ClusterAsync(PlannedChange change, ClusterSpec spec, ObservedResource? observed, CancellationToken ct)
    {
        var ecs = session.Ecs;
        if (observed is null)
        {
            // CreateCluster is idempotent for an ACTIVE cluster of the same name.
            var created = await Mutate(() => ecs.CreateClusterAsync(new Ecs.CreateClusterRequest
            {
                ClusterName = spec.Name,
                Settings = [new Ecs.ClusterSetting { Name = Ecs.ClusterSettingName.ContainerInsights, Value = spec.ContainerInsights }],
                Tags = [.. spec.Tags.Select(t => new Ecs.Tag { Key = t.Key, Value = t.Value })],
            }, ct)).ConfigureAwait(false);
            _ids[(spec.Kind, spec.Name)] = created.Cluster?.ClusterArn ?? spec.Name;
            return;
        }

        if (!OnlyTags(change))
        {
            await Mutate(() => ecs.UpdateClusterAsync(new Ecs.UpdateClusterRequest
            {
                Cluster = spec.Name,
                Settings = [new Ecs.ClusterSetting { Name = Ecs.ClusterSettingName.ContainerInsights, Value = spec.ContainerInsights }],
            }, ct)).ConfigureAwait(false);
        }

        if (TagsDiffer(change))
        {
            await Mutate(() => ecs.TagResourceAsync(new Ecs.TagResourceRequest
            {
                ResourceArn = observed.Id,
                Tags = [.. spec.Tags.Select(t => new Ecs.Tag { Key = t.Key, Value = t.Value })],
            }, ct)).ConfigureAwait(false);
        }
    }

    /// <summary>The RegisterTaskDefinition request for a spec: Fargate, awsvpc, one container by digest, read-only root, awslogs.</summary>
    internal static Ecs.RegisterTaskDefinitionRequest TaskDefinitionRequest(TaskDefinitionSpec spec, string executionRoleArn, string taskRoleArn)
    {
        var container = spec.Container;
        return new Ecs.RegisterTaskDefinitionRequest
        {
            Family = spec.Name,
            Cpu = spec.Cpu.ToString(CultureInfo.InvariantCulture),
            Memory = spec.MemoryMiB.ToString(CultureInfo.InvariantCulture),
            NetworkMode = spec.NetworkMode,
            RequiresCompatibilities = spec.RequiresCompatibilities,
            RuntimePlatform = new Ecs.RuntimePlatform { CpuArchitecture = spec.CpuArchitecture, OperatingSystemFamily = spec.OperatingSystemFamily },
            ExecutionRoleArn = executionRoleArn,
            TaskRoleArn = taskRoleArn,
            Tags = [.. spec.Tags.Select(t => new Ecs.Tag { Key = t.Key, Value = t.Value })],
            ContainerDefinitions =
            [
                new Ecs.ContainerDefinition
                {
                    Name = container.Name,
                    Image = container.Image ?? throw new InvalidOperationException($"Task definition {spec.Name} has no image; the image step must run first."),
                    Essential = container.Essential,
                    ReadonlyRootFilesystem = container.ReadonlyRootFilesystem,
                    Privileged = container.Privileged,
                    StopTimeout = container.StopTimeoutSeconds,
                    PortMappings = [new Ecs.PortMapping { ContainerPort = container.Port, Protocol = Ecs.TransportProtocol.Tcp }],
                    Environment = [.. container.Environment.Select(e => new Ecs.AwsKeyValuePair { Name = e.Key, Value = e.Value })],
                    LogConfiguration = new Ecs.LogConfiguration { LogDriver = container.LogDriver, Options = container.LogOptions },
                },
            ],
        };
    }

    private async Task TaskDefinitionAsync(PlannedChange change, TaskDefinitionSpec spec, CancellationToken ct)
    {
        _ = change;
        // A run killed between registering and updating the service left a matching latest revision: reuse it.
        if (await MatchingLatestRevisionAsync(spec, ct).ConfigureAwait(false) is { } latest)
        {
            progress?.Info($"  the latest revision {latest[(latest.LastIndexOf('/') + 1)..]} already matches; reusing it");
            _ids[(spec.Kind, spec.Name)] = latest;
            return;
        }

        // Every RegisterTaskDefinition makes a revision: after an answer lost on its way back, the match is the one it made.
        var request = TaskDefinitionRequest(spec, Id(ResourceKind.IamRole, spec.ExecutionRoleName!), Id(ResourceKind.IamRole, spec.TaskRoleName!));
        var arn = await CreateOnceAsync(
            async () => (await Mutate(() => session.Ecs.RegisterTaskDefinitionAsync(request, ct)).ConfigureAwait(false)).TaskDefinition?.TaskDefinitionArn
                ?? throw new InvalidOperationException($"RegisterTaskDefinition for {spec.Name} returned no ARN."),
            () => MatchingLatestRevisionAsync(spec, ct),
            ct).ConfigureAwait(false);
        progress?.Info($"  registered {arn[(arn.LastIndexOf('/') + 1)..]}");
        _ids[(spec.Kind, spec.Name)] = arn;
    }

    // The family's latest revision when it is exactly what the spec asks for, else null.
    private async Task<string?> MatchingLatestRevisionAsync(TaskDefinitionSpec spec, CancellationToken ct)
    {
        var latest = await new AwsStateReader(session).ReadTaskDefinitionRevisionAsync(spec, spec.Name, ct).ConfigureAwait(false);
        if (latest is null)
        {
            return null;
        }

        var compared = Planner.Compute(_plan.Desired! with { Resources = [spec] }, new CurrentState([latest]));
        return compared.Count == 1 && compared[0].Action == ChangeAction.Unchanged ? latest.Id : null;
    }

    private Ecs.NetworkConfiguration Network(EcsServiceSpec spec) => new()
    {
        AwsvpcConfiguration = new Ecs.AwsVpcConfiguration
        {
            Subnets = spec.SubnetIds,
            SecurityGroups = [.. spec.SecurityGroupNames.Select(n => Id(ResourceKind.SecurityGroup, n))],
            AssignPublicIp = spec.AssignPublicIp ? Ecs.AssignPublicIp.Enabled : Ecs.AssignPublicIp.Disabled,
        },
    };

    private List<Ecs.LoadBalancer> LoadBalancers(EcsServiceSpec spec) => spec.TargetGroupName is null
        ? []
        : [new Ecs.LoadBalancer { TargetGroupArn = Id(ResourceKind.TargetGroup, spec.TargetGroupName), ContainerName = spec.ContainerName, ContainerPort = spec.ContainerPort }];

    private static Ecs.DeploymentConfiguration Deployment(EcsServiceSpec spec) => new()
    {
        DeploymentCircuitBreaker = new Ecs.DeploymentCircuitBreaker { Enable = spec.CircuitBreaker, Rollback = spec.Rollback },
        MinimumHealthyPercent = spec.MinimumHealthyPercent,
        MaximumPercent = spec.MaximumPercent,
    };

    private async Task ServiceAsync(PlannedChange change, EcsServiceSpec spec, CancellationToken ct)
    {
        var ecs = session.Ecs;
        var taskDefinition = Id(ResourceKind.TaskDefinition, spec.TaskFamily);
        var exists = change.Action != ChangeAction.Create;
        if (change.Action == ChangeAction.Replace)
        {
            throw new InvalidOperationException($"ECS service {spec.Name} must be replaced ({change.Reason}); run destroy, then deploy.");
        }

        if (!exists)
        {
            try
            {
                var created = await Mutate(() => ecs.CreateServiceAsync(new Ecs.CreateServiceRequest
                {
                    Cluster = spec.ClusterName,
                    ServiceName = spec.Name,
                    TaskDefinition = taskDefinition,
                    LaunchType = spec.LaunchType,
                    DesiredCount = spec.DesiredCount,
                    NetworkConfiguration = Network(spec),
                    LoadBalancers = LoadBalancers(spec),
                    HealthCheckGracePeriodSeconds = spec.TargetGroupName is null ? null : spec.HealthCheckGracePeriodSeconds,
                    DeploymentConfiguration = Deployment(spec),
                    PropagateTags = Ecs.PropagateTags.Service,
                    EnableECSManagedTags = true,
                    Tags = [.. spec.Tags.Select(t => new Ecs.Tag { Key = t.Key, Value = t.Value })],
                }, ct)).ConfigureAwait(false);
                _ids[(spec.Kind, spec.Name)] = created.Service?.ServiceArn ?? spec.Name;
                return;
            }
            catch (AwsApiException e) when (e.ErrorCode == "InvalidParameterException" && e.AwsMessage.Contains("idempotent", StringComparison.OrdinalIgnoreCase))
            {
                // An ACTIVE service of that name exists (an interrupted run made it): update it instead.
                progress?.Info($"  service {spec.Name} already exists; updating it instead");
                change = change with { Changes = [new PropertyChange("settings", null, null), new PropertyChange("tag *", null, null)] };
            }
        }

        if (!OnlyTags(change))
        {
            var observed = _plan.Current?.Find(spec.Kind, spec.Name)?.Spec as EcsServiceSpec;
            var keepCount = spec.DesiredCountManagedByAutoScaling && observed is not null;
            await Mutate(() => ecs.UpdateServiceAsync(new Ecs.UpdateServiceRequest
            {
                Cluster = spec.ClusterName,
                Service = spec.Name,
                TaskDefinition = taskDefinition,
                DesiredCount = keepCount ? null : spec.DesiredCount,
                NetworkConfiguration = Network(spec),
                LoadBalancers = LoadBalancers(spec),
                HealthCheckGracePeriodSeconds = spec.TargetGroupName is null ? null : spec.HealthCheckGracePeriodSeconds,
                DeploymentConfiguration = Deployment(spec),
                PropagateTags = Ecs.PropagateTags.Service,
            }, ct)).ConfigureAwait(false);
        }

        if (TagsDiffer(change))
        {
            var arn = _ids.GetValueOrDefault((spec.Kind, spec.Name));
            if (arn is null || !arn.StartsWith("arn:", StringComparison.Ordinal))
            {
                var described = await ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = spec.ClusterName, Services = [spec.Name] }, ct).ConfigureAwait(false);
                arn = described.Services?.FirstOrDefault()?.ServiceArn ?? throw new InvalidOperationException($"ECS service {spec.Name} was not found to tag.");
            }

            await Mutate(() => ecs.TagResourceAsync(new Ecs.TagResourceRequest
            {
                ResourceArn = arn,
                Tags = [.. spec.Tags.Select(t => new Ecs.Tag { Key = t.Key, Value = t.Value })],
            }, ct)).ConfigureAwait(false);
        }
    }

    // ---- Application Auto Scaling (both calls are upserts) -----------------------------------------------------

    private async Task AutoScalingAsync(AutoScalingSpec spec, CancellationToken ct)
    {
        var scaling = session.AutoScaling;
        await Mutate(() => scaling.RegisterScalableTargetAsync(new AutoScaling.RegisterScalableTargetRequest
        {
            ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
            ResourceId = spec.Name,
            ScalableDimension = AutoScaling.ScalableDimension.EcsServiceDesiredCount,
            MinCapacity = spec.MinCount,
            MaxCapacity = spec.MaxCount,
        }, ct)).ConfigureAwait(false);
        await Mutate(() => scaling.PutScalingPolicyAsync(new AutoScaling.PutScalingPolicyRequest
        {
            PolicyName = spec.PolicyName,
            ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
            ResourceId = spec.Name,
            ScalableDimension = AutoScaling.ScalableDimension.EcsServiceDesiredCount,
            PolicyType = AutoScaling.PolicyType.TargetTrackingScaling,
            TargetTrackingScalingPolicyConfiguration = new AutoScaling.TargetTrackingScalingPolicyConfiguration
            {
                TargetValue = spec.TargetCpuPercent ?? throw new InvalidOperationException($"Autoscaling of {spec.Name} has no CPU target."),
                PredefinedMetricSpecification = new AutoScaling.PredefinedMetricSpecification { PredefinedMetricType = AutoScaling.MetricType.ECSServiceAverageCPUUtilization },
            },
        }, ct)).ConfigureAwait(false);
    }

    private async Task DeleteAsync(PlannedChange change, CancellationToken ct)
    {
        if (change.Kind != ResourceKind.AutoScaling)
        {
            progress?.Warn($"{DeploymentPlan.KindLabel(change.Kind)} {change.Name} is no longer in the model; left in place (destroy removes it).");
            return;
        }

        progress?.Info($"Deleting autoscaling {change.Name} ({change.Reason})");
        try
        {
            await Mutate(() => session.AutoScaling.DeregisterScalableTargetAsync(new AutoScaling.DeregisterScalableTargetRequest
            {
                ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
                ResourceId = change.Name,
                ScalableDimension = AutoScaling.ScalableDimension.EcsServiceDesiredCount,
            }, ct)).ConfigureAwait(false);
        }
        catch (AwsApiException e) when (e.ErrorCode == "ObjectNotFoundException")
        {
        }
    }
}

/// <summary>Applying a change failed; the message says which resource and what was being done.</summary>
public sealed class DeployApplyException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="inner">The AWS error.</param>
    public DeployApplyException(string message, Exception inner) : base(message, inner)
    {
    }
}

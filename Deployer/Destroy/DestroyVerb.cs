using Aspire.Deployer.Reporting;
using System.Diagnostics;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Images;
using AutoScaling = Aspire.Deployer.Aws.ApplicationAutoScaling;
using Ecr = Aspire.Deployer.Aws.Ecr;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Iam = Aspire.Deployer.Aws.Iam;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;

namespace Aspire.Deployer.Destroy;

/// <summary>
/// Removes everything made for an app and environment, found by its tags (<see cref="AppResourceFinder"/>), in
/// reverse dependency order: autoscaling, services (scaled to 0, deleted, waited for until INACTIVE), task definition
/// revisions, cluster, listeners, load balancer (waited for until gone), target groups, security groups (the
/// services' first; DependencyViolation retried with backoff while AWS releases network interfaces), IAM roles
/// (policies detached first), log groups, ECR repositories (with their images). Nothing without the app's tags is
/// touched. Idempotent: with nothing left it makes no mutating call and says "Nothing to destroy"; after a partial
/// deploy or an interrupted destroy it removes whatever exists.
/// </summary>
public static class DestroyVerb
{
    /// <summary>Finds and removes the app's resources.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="scope">The app and environment.</param>
    /// <param name="progress">Where a line per resource goes.</param>
    /// <param name="options">Waits and retries; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the calls and waits.</param>
    /// <returns>What was removed and what was left, and why.</returns>
    /// <exception cref="DestroyException">AWS refused a deletion or a wait ran out; the message says what to do.</exception>
    /// <exception cref="AwsApiException">Finding the resources failed (credentials, permissions, endpoint).</exception>
    public static async Task<DestroyResult> RunAsync(AwsSession session, AppScope scope, IDeployProgress progress, DestroyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(progress);
        var run = new Run(session, progress, options ?? new DestroyOptions(), cancellationToken);

        progress.Step($"Destroy: finding the resources of app '{scope.App}', environment '{scope.Environment}' in {session.Region.SystemName} (by tags)");
        var inventory = await new AppResourceFinder(session).FindAsync(scope, cancellationToken).ConfigureAwait(false);
        if (inventory.IsEmpty)
        {
            var nothing = new DestroyResult(scope, [], []);
            progress.Info(nothing.SummaryLines()[0]);
            return nothing;
        }

        progress.Info($"Found {inventory.Resources.Count} resource(s): {string.Join(", ", inventory.Resources.GroupBy(r => r.Kind).Select(g => $"{g.Count()} {AppResource.Label(g.Key)}"))}");
        foreach (var blocker in inventory.Blockers)
        {
            progress.Warn(blocker);
        }

        var kept = new List<string>();
        foreach (var kind in Enum.GetValues<AppResourceKind>())
        {
            var resources = inventory.OfKind(kind);
            if (resources.Count == 0)
            {
                continue;
            }

            progress.Step($"Destroy: {AppResource.Label(kind)} ({resources.Count})");
            if (kind == AppResourceKind.EcsService)
            {
                await run.RemoveServicesAsync(resources).ConfigureAwait(false);
                continue;
            }

            foreach (var resource in resources)
            {
                if (kind == AppResourceKind.Cluster && inventory.BlockedClusters.Contains(resource.Name))
                {
                    var why = $"ECS cluster {resource.Name}: it still holds services that are not this app's";
                    progress.Warn($"kept {why}");
                    kept.Add(why);
                    continue;
                }

                await run.RemoveAsync(resource).ConfigureAwait(false);
            }
        }

        var result = new DestroyResult(scope, run.Removed, kept);
        foreach (var line in result.SummaryLines())
        {
            progress.Info(line);
        }

        return result;
    }

    private sealed class Run(AwsSession session, IDeployProgress progress, DestroyOptions options, CancellationToken ct)
    {
        public List<AppResource> Removed { get; } = [];

        public async Task RemoveServicesAsync(IReadOnlyList<AppResource> services)
        {
            // Delete every service first, then wait for all of them: their tasks drain in parallel.
            foreach (var service in services)
            {
                await GuardAsync(service, async () =>
                {
                    if (service.State == "ACTIVE")
                    {
                        await IgnoreAsync(() => session.Ecs.UpdateServiceAsync(new Ecs.UpdateServiceRequest { Cluster = service.Parent, Service = service.Name, DesiredCount = 0 }, ct),
                            "ServiceNotActiveException", "ServiceNotFoundException", "ClusterNotFoundException").ConfigureAwait(false);
                        await IgnoreAsync(() => session.Ecs.DeleteServiceAsync(new Ecs.DeleteServiceRequest { Cluster = service.Parent, Service = service.Name, Force = true }, ct),
                            "ServiceNotActiveException", "ServiceNotFoundException", "ClusterNotFoundException").ConfigureAwait(false);
                        progress.Info($"deleting ECS service {service.Name} (scaled to 0, delete forced); waiting until it is INACTIVE");
                    }
                    else
                    {
                        progress.Info($"ECS service {service.Name} is already {service.State}; waiting until it is INACTIVE");
                    }
                }).ConfigureAwait(false);
            }

            foreach (var service in services)
            {
                await GuardAsync(service, () => WaitAsync(service, options.ServiceTimeout, async () =>
                {
                    try
                    {
                        var response = await session.Ecs.DescribeServicesAsync(new Ecs.DescribeServicesRequest { Cluster = service.Parent, Services = [service.Name] }, ct).ConfigureAwait(false);
                        return !(response.Services ?? []).Any(s => s.ServiceName == service.Name && s.Status != "INACTIVE");
                    }
                    catch (AwsApiException e) when (e.ErrorCode == "ClusterNotFoundException")
                    {
                        return true;
                    }
                }, "its tasks are still stopping; look at the service's events in the ECS console, then run destroy again")).ConfigureAwait(false);
                Done(service, $"removed ECS service {service.Name}");
            }
        }

        public Task RemoveAsync(AppResource resource) => resource.Kind switch
        {
            AppResourceKind.ScalableTarget => GuardAsync(resource, async () =>
            {
                var policies = await session.AutoScaling.DescribeScalingPoliciesItemsAsync(new AutoScaling.DescribeScalingPoliciesRequest
                {
                    ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
                    ResourceId = resource.Name,
                    ScalableDimension = AutoScaling.ScalableDimension.EcsServiceDesiredCount,
                }, ct).ToListAsync(ct).ConfigureAwait(false);
                foreach (var policy in policies)
                {
                    await IgnoreAsync(() => session.AutoScaling.DeleteScalingPolicyAsync(new AutoScaling.DeleteScalingPolicyRequest
                    {
                        PolicyName = policy.PolicyName,
                        ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
                        ResourceId = resource.Name,
                        ScalableDimension = AutoScaling.ScalableDimension.EcsServiceDesiredCount,
                    }, ct), "ObjectNotFoundException").ConfigureAwait(false);
                    progress.Info($"deleted scaling policy {policy.PolicyName}");
                }

                await IgnoreAsync(() => session.AutoScaling.DeregisterScalableTargetAsync(new AutoScaling.DeregisterScalableTargetRequest
                {
                    ServiceNamespace = AutoScaling.ServiceNamespace.Ecs,
                    ResourceId = resource.Name,
                    ScalableDimension = AutoScaling.ScalableDimension.EcsServiceDesiredCount,
                }, ct), "ObjectNotFoundException").ConfigureAwait(false);
                Done(resource, $"deregistered autoscaling target {resource.Name}");
            }),
            AppResourceKind.TaskDefinition => GuardAsync(resource, async () =>
            {
                await IgnoreAsync(() => session.Ecs.DeregisterTaskDefinitionAsync(new Ecs.DeregisterTaskDefinitionRequest { TaskDefinition = resource.Id }, ct)).ConfigureAwait(false);
                Done(resource, $"deregistered task definition {resource.Name}");
            }),
            AppResourceKind.Cluster => GuardAsync(resource, async () =>
            {
                // Tasks of just-deleted services may still be stopping: ECS refuses until they are gone.
                await RetryWhileAsync(resource, () => IgnoreAsync(() => session.Ecs.DeleteClusterAsync(new Ecs.DeleteClusterRequest { Cluster = resource.Name }, ct), "ClusterNotFoundException"),
                    "ClusterContainsServicesException", "ClusterContainsTasksException", "UpdateInProgressException").ConfigureAwait(false);
                Done(resource, $"removed ECS cluster {resource.Name}");
            }),
            AppResourceKind.Listener => GuardAsync(resource, async () =>
            {
                await IgnoreAsync(() => session.ElbV2.DeleteListenerAsync(new Elb.DeleteListenerRequest { ListenerArn = resource.Id }, ct), "ListenerNotFound").ConfigureAwait(false);
                Done(resource, $"removed listener {resource.Name}");
            }),
            AppResourceKind.LoadBalancer => GuardAsync(resource, async () =>
            {
                await IgnoreAsync(() => session.ElbV2.DeleteLoadBalancerAsync(new Elb.DeleteLoadBalancerRequest { LoadBalancerArn = resource.Id }, ct), "LoadBalancerNotFound").ConfigureAwait(false);
                progress.Info($"deleting load balancer {resource.Name}; waiting until it is gone");
                await WaitAsync(resource, options.LoadBalancerTimeout, async () =>
                {
                    try
                    {
                        var response = await session.ElbV2.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { LoadBalancerArns = [resource.Id] }, ct).ConfigureAwait(false);
                        return response.LoadBalancers is not { Count: > 0 };
                    }
                    catch (AwsApiException e) when (e.ErrorCode == "LoadBalancerNotFound")
                    {
                        return true;
                    }
                }, "AWS is still deleting it; run destroy again in a few minutes").ConfigureAwait(false);
                Done(resource, $"removed load balancer {resource.Name}");
            }),
            AppResourceKind.TargetGroup => GuardAsync(resource, async () =>
            {
                await RetryWhileAsync(resource, () => IgnoreAsync(() => session.ElbV2.DeleteTargetGroupAsync(new Elb.DeleteTargetGroupRequest { TargetGroupArn = resource.Id }, ct), "TargetGroupNotFound"),
                    "ResourceInUse").ConfigureAwait(false);
                Done(resource, $"removed target group {resource.Name}");
            }),
            AppResourceKind.SecurityGroup => GuardAsync(resource, async () =>
            {
                // AWS keeps the load balancer's and the tasks' network interfaces for a while after they are deleted.
                await RetryWhileAsync(resource, () => IgnoreAsync(() => session.Ec2.DeleteSecurityGroupAsync(resource.Id, ct), "InvalidGroup.NotFound"),
                    "DependencyViolation", "InvalidGroup.InUse").ConfigureAwait(false);
                Done(resource, $"removed security group {resource.Name} ({resource.Id})");
            }),
            AppResourceKind.IamRole => GuardAsync(resource, async () =>
            {
                try
                {
                    var attached = await session.Iam.ListAttachedRolePoliciesItemsAsync(new Iam.ListAttachedRolePoliciesRequest { RoleName = resource.Name }, ct).ToListAsync(ct).ConfigureAwait(false);
                    foreach (var policy in attached.Where(p => p.PolicyArn is not null))
                    {
                        await IgnoreAsync(() => session.Iam.DetachRolePolicyAsync(new Iam.DetachRolePolicyRequest { RoleName = resource.Name, PolicyArn = policy.PolicyArn! }, ct), "NoSuchEntity").ConfigureAwait(false);
                        progress.Info($"detached {policy.PolicyName ?? policy.PolicyArn} from IAM role {resource.Name}");
                    }

                    var inline = await session.Iam.ListRolePoliciesItemsAsync(new Iam.ListRolePoliciesRequest { RoleName = resource.Name }, ct).ToListAsync(ct).ConfigureAwait(false);
                    foreach (var policy in inline)
                    {
                        await IgnoreAsync(() => session.Iam.DeleteRolePolicyAsync(new Iam.DeleteRolePolicyRequest { RoleName = resource.Name, PolicyName = policy }, ct), "NoSuchEntity").ConfigureAwait(false);
                        progress.Info($"deleted inline policy {policy} of IAM role {resource.Name}");
                    }
                }
                catch (AwsApiException e) when (e.ErrorCode == "NoSuchEntity")
                {
                    // the role went away meanwhile
                }

                await IgnoreAsync(() => session.Iam.DeleteRoleAsync(new Iam.DeleteRoleRequest { RoleName = resource.Name }, ct), "NoSuchEntity").ConfigureAwait(false);
                Done(resource, $"removed IAM role {resource.Name}");
            }),
            AppResourceKind.LogGroup => GuardAsync(resource, async () =>
            {
                await IgnoreAsync(() => session.Logs.DeleteLogGroupAsync(new Logs.DeleteLogGroupRequest { LogGroupName = resource.Name }, ct), "ResourceNotFoundException").ConfigureAwait(false);
                Done(resource, $"removed log group {resource.Name} (its log events with it)");
            }),
            AppResourceKind.EcrRepository => GuardAsync(resource, async () =>
            {
                var images = 0;
                try
                {
                    images = await session.Ecr.DescribeImagesItemsAsync(new Ecr.DescribeImagesRequest { RepositoryName = resource.Name }, ct).CountAsync(ct).ConfigureAwait(false);
                }
                catch (AwsApiException e) when (e.ErrorCode == "RepositoryNotFoundException")
                {
                    // gone meanwhile; the delete below says so too
                }

                await IgnoreAsync(() => session.Ecr.DeleteRepositoryAsync(new Ecr.DeleteRepositoryRequest { RepositoryName = resource.Name, Force = true }, ct), "RepositoryNotFoundException").ConfigureAwait(false);
                Done(resource, $"removed ECR repository {resource.Name} with force: its {images} image(s) were deleted with it");
            }),
            _ => throw new InvalidOperationException($"Destroy does not remove {resource.Kind}."),
        };

        private void Done(AppResource resource, string line)
        {
            Removed.Add(resource);
            progress.Info(line);
        }

        // Turns an AWS refusal into a DestroyException that names the resource, the code and what to do.
        private async Task GuardAsync(AppResource resource, Func<Task> action)
        {
            try
            {
                await action().ConfigureAwait(false);
            }
            catch (AwsApiException e)
            {
                throw new DestroyException(
                    $"Destroy stopped at {resource}: {e.Service} {e.Operation} failed with {e.ErrorCode}: {e.AwsMessage}. {Advice(e)} " +
                    $"Removed before this: {Removed.Count} resource(s). Run destroy again when fixed: it continues with what is left.",
                    resource, [.. Removed], e.ErrorCode, e);
            }
        }

        private static string Advice(AwsApiException e) => e.ErrorCode switch
        {
            var c when c.StartsWith("AccessDenied", StringComparison.Ordinal) || c is "UnauthorizedOperation" or "AccessDeniedException" =>
                $"The credentials in use may not call {e.Service} {e.Operation}: grant that permission (or use a role that has it).",
            "DependencyViolation" or "InvalidGroup.InUse" or "ResourceInUse" or "DeleteConflict" =>
                "Something outside this app still uses it (a network interface, another security group's rule, a listener of another load balancer): remove that dependency.",
            AwsApiException.NoCredentialsCode or AwsApiException.NoRegionCode or "ExpiredToken" or "ExpiredTokenException" or "InvalidClientTokenId" =>
                "Check the AWS credentials and region (AWS_PROFILE / AWS_REGION, or Aws:Region).",
            _ when e.IsThrottling || e.HttpStatus >= 500 || e.ErrorCode is AwsApiException.ConnectionFailureCode or AwsApiException.RequestTimeoutCode =>
                "AWS did not answer in time or throttled the calls; wait a moment.",
            _ => "See the AWS message above.",
        };

        private async Task WaitAsync(AppResource resource, TimeSpan timeout, Func<Task<bool>> gone, string advice)
        {
            var clock = Stopwatch.StartNew();
            while (!await gone().ConfigureAwait(false))
            {
                if (clock.Elapsed >= timeout)
                {
                    throw new DestroyException(
                        $"Destroy stopped at {resource}: it was still there after {timeout.TotalSeconds:0} s; {advice}. Removed before this: {Removed.Count} resource(s).",
                        resource, [.. Removed]);
                }

                await Task.Delay(options.PollInterval, ct).ConfigureAwait(false);
            }
        }

        // Retries a deletion AWS refuses for a while (with exponential backoff, bounded by DependencyTimeout).
        private async Task RetryWhileAsync(AppResource resource, Func<Task> delete, params string[] retryCodes)
        {
            var clock = Stopwatch.StartNew();
            var delay = options.RetryBaseDelay;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await delete().ConfigureAwait(false);
                    return;
                }
                catch (AwsApiException e) when (retryCodes.Contains(e.ErrorCode) && clock.Elapsed + delay < options.DependencyTimeout)
                {
                    progress.Info($"{resource} is still in use ({e.ErrorCode}); retrying in {delay.TotalSeconds:0.#} s (attempt {attempt})");
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.RetryMaxDelay.Ticks));
                }
            }
        }

        // Runs a mutating call; an answer saying the resource is already gone (one of the codes) counts as success.
        private static async Task IgnoreAsync<T>(Func<Task<T>> call, params string[] goneCodes)
        {
            try
            {
                await call().ConfigureAwait(false);
            }
            catch (AwsApiException e) when (goneCodes.Contains(e.ErrorCode))
            {
                // already gone: what destroy wants
            }
        }

        private static async Task IgnoreAsync(Func<Task> call, params string[] goneCodes)
        {
            try
            {
                await call().ConfigureAwait(false);
            }
            catch (AwsApiException e) when (goneCodes.Contains(e.ErrorCode))
            {
                // already gone
            }
        }
    }
}

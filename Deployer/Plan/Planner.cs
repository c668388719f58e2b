using System.Globalization;

namespace Aspire.Deployer.Plan;

/// <summary>
/// Compares the desired state with the current one and lists, in dependency order, what a deploy has to do to each
/// resource: create it, update it in place (with the properties that differ), replace it (with why AWS cannot change
/// it in place), or leave it. Pure: no AWS calls, the same answer for the same input.
/// </summary>
public static class Planner
{
    /// <summary>Plans every resource of the desired state, then whatever exists but is no longer wanted.</summary>
    /// <param name="desired">What AWS should look like.</param>
    /// <param name="current">What exists.</param>
    /// <returns>The changes: desired resources in dependency order, then deletions (dependents first).</returns>
    public static IReadOnlyList<PlannedChange> Compute(DesiredState desired, CurrentState current)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(current);

        var planned = desired.Resources.Select(spec => (Spec: spec, Change: Compare(spec, current.Find(spec.Kind, spec.Name)))).ToList();
        var changes = planned.Select(p => p.Change).ToList();
        Cascade(planned.Select(p => p.Spec).ToList(), changes);

        var wanted = desired.Resources.Select(r => (r.Kind, r.Name)).ToHashSet();
        changes.AddRange(current.Resources
            .Where(r => !wanted.Contains((r.Spec.Kind, r.Spec.Name)))
            .OrderByDescending(r => r.Spec.Kind)
            .ThenBy(r => r.Spec.Name, StringComparer.Ordinal)
            .Select(r => new PlannedChange(r.Spec.Kind, r.Spec.Name, r.Spec.Owner, ChangeAction.Delete, [],
                r.Spec.Kind == ResourceKind.AutoScaling ? "autoscaling is no longer configured for this service" : "no longer in the AppHost's model",
                [], r.Id, null)));
        return changes;
    }

    private static PlannedChange Compare(ResourceSpec desired, ObservedResource? observed)
    {
        if (observed is null)
        {
            var notes = desired is TaskDefinitionSpec { Container.Image: null } ? new[] { "registered with the image the image step pushes" } : [];
            return new PlannedChange(desired.Kind, desired.Name, desired.Owner, ChangeAction.Create, [], null, notes, null, desired.Describe());
        }

        var diff = new Diff();
        var extraNotes = new List<string>();
        switch (desired, observed.Spec)
        {
            case (EcrRepositorySpec d, EcrRepositorySpec c):
                diff.Compare("scan on push", c.ScanOnPush, d.ScanOnPush);
                diff.Compare("tag mutability", Mutability(c.ImmutableTags), Mutability(d.ImmutableTags));
                break;
            case (LogGroupSpec d, LogGroupSpec c):
                diff.Compare("retention", Retention(c.RetentionDays), Retention(d.RetentionDays));
                break;
            case (IamRoleSpec d, IamRoleSpec c):
                diff.Set("trusted services", c.TrustedServices, d.TrustedServices);
                diff.Set("managed policies", c.ManagedPolicyArns.Select(IamRoleSpec.PolicyName), d.ManagedPolicyArns.Select(IamRoleSpec.PolicyName));
                break;
            case (SecurityGroupSpec d, SecurityGroupSpec c):
                diff.Compare("VPC", c.VpcId, d.VpcId, "AWS cannot move a security group to another VPC");
                diff.Compare("description", c.Description, d.Description, "AWS cannot change a security group's description");
                diff.Items("inbound rule", c.Ingress.Select(r => r.ToString()), d.Ingress.Select(r => r.ToString()));
                break;
            case (LoadBalancerSpec d, LoadBalancerSpec c):
                diff.Compare("scheme", c.Scheme, d.Scheme, "AWS cannot change a load balancer's scheme");
                diff.Compare("type", c.Type, d.Type, "AWS cannot change a load balancer's type");
                diff.Compare("IP address type", c.IpAddressType, d.IpAddressType);
                diff.Set("subnets", c.SubnetIds, d.SubnetIds);
                diff.Set("security groups", c.SecurityGroupNames, d.SecurityGroupNames);
                diff.Map("attribute", c.Attributes, d.Attributes, desiredKeysOnly: true);
                break;
            case (TargetGroupSpec d, TargetGroupSpec c):
                const string fixedTargetGroup = "AWS cannot change a target group's protocol, port, VPC or target type";
                diff.Compare("protocol", c.Protocol, d.Protocol, fixedTargetGroup);
                diff.Compare("port", c.Port, d.Port, fixedTargetGroup);
                diff.Compare("VPC", c.VpcId, d.VpcId, fixedTargetGroup);
                diff.Compare("target type", c.TargetType, d.TargetType, fixedTargetGroup);
                diff.Compare("health check protocol", c.HealthCheck.Protocol, d.HealthCheck.Protocol);
                diff.Compare("health check path", c.HealthCheck.Path, d.HealthCheck.Path);
                diff.Compare("health check interval", c.HealthCheck.IntervalSeconds, d.HealthCheck.IntervalSeconds);
                diff.Compare("health check timeout", c.HealthCheck.TimeoutSeconds, d.HealthCheck.TimeoutSeconds);
                diff.Compare("healthy threshold", c.HealthCheck.HealthyThreshold, d.HealthCheck.HealthyThreshold);
                diff.Compare("unhealthy threshold", c.HealthCheck.UnhealthyThreshold, d.HealthCheck.UnhealthyThreshold);
                diff.Compare("health check matcher", c.HealthCheck.Matcher, d.HealthCheck.Matcher);
                diff.Map("attribute", c.Attributes, d.Attributes, desiredKeysOnly: true);
                break;
            case (ListenerSpec d, ListenerSpec c):
                diff.Compare("port", c.Port, d.Port);
                diff.Compare("protocol", c.Protocol, d.Protocol);
                diff.Compare("certificate", c.CertificateArn, d.CertificateArn);
                diff.Compare("TLS policy", c.SslPolicy, d.SslPolicy);
                diff.Compare("forwards to target group", c.TargetGroupName, d.TargetGroupName);
                break;
            case (ClusterSpec d, ClusterSpec c):
                // "enhanced" observability includes what "enabled" gives.
                if (!(d.ContainerInsights == "enabled" && c.ContainerInsights == "enhanced"))
                {
                    diff.Compare("containerInsights", c.ContainerInsights, d.ContainerInsights);
                }

                break;
            case (TaskDefinitionSpec d, TaskDefinitionSpec c):
                CompareTaskDefinition(diff, d, c);
                if (diff.Changes.Count > 0)
                {
                    extraNotes.Add($"registers a new revision of {d.Name}; the current one is {Revision(observed.Id)}");
                }
                else if (d.Container.Image is null)
                {
                    extraNotes.Add("a new revision is registered if the image changed");
                }

                break;
            case (EcsServiceSpec d, EcsServiceSpec c):
                CompareService(diff, d, c, extraNotes);
                break;
            case (AutoScalingSpec d, AutoScalingSpec c):
                diff.Compare("min tasks", c.MinCount, d.MinCount);
                diff.Compare("max tasks", c.MaxCount, d.MaxCount);
                diff.Compare("policy", c.TargetCpuPercent is null ? null : c.PolicyName, d.PolicyName);
                diff.Compare("target CPU %", c.TargetCpuPercent?.ToString(CultureInfo.InvariantCulture), d.TargetCpuPercent?.ToString(CultureInfo.InvariantCulture));
                break;
            default:
                throw new InvalidOperationException($"Cannot compare a {observed.Spec.GetType().Name} with a {desired.GetType().Name} ({desired.Kind} {desired.Name}).");
        }

        if (desired.Kind != ResourceKind.AutoScaling)
        {
            diff.Map("tag", observed.Spec.Tags, desired.Tags, desiredKeysOnly: true);
        }

        if (observed.Unreported is { Count: > 0 } unreported)
        {
            extraNotes.Add($"not reported by AWS, so not compared: {string.Join("; ", unreported)}");
        }

        var action = diff.ReplaceReasons.Count > 0 ? ChangeAction.Replace
            : diff.Changes.Count > 0 ? ChangeAction.Update
            : ChangeAction.Unchanged;
        var reason = action == ChangeAction.Replace ? string.Join("; ", diff.ReplaceReasons) : null;
        return new PlannedChange(desired.Kind, desired.Name, desired.Owner, action, diff.Changes, reason, extraNotes, observed.Id, null);
    }

    private static void CompareTaskDefinition(Diff diff, TaskDefinitionSpec d, TaskDefinitionSpec c)
    {
        diff.Compare("cpu", c.Cpu, d.Cpu);
        diff.Compare("memory MiB", c.MemoryMiB, d.MemoryMiB);
        diff.Compare("CPU architecture", c.CpuArchitecture, d.CpuArchitecture);
        diff.Compare("operating system", c.OperatingSystemFamily, d.OperatingSystemFamily);
        diff.Compare("network mode", c.NetworkMode, d.NetworkMode);
        diff.Set("compatibilities", c.RequiresCompatibilities, d.RequiresCompatibilities);
        diff.Compare("execution role", c.ExecutionRoleName, d.ExecutionRoleName);
        diff.Compare("task role", c.TaskRoleName, d.TaskRoleName);
        var (dc, cc) = (d.Container, c.Container);
        diff.Compare("container name", cc.Name, dc.Name);
        if (dc.Image is not null)
        {
            diff.Compare("image", cc.Image, dc.Image);
        }

        diff.Compare("container port", cc.Port, dc.Port);
        diff.Map("environment", cc.Environment, dc.Environment, desiredKeysOnly: false);
        diff.Compare("essential", cc.Essential, dc.Essential);
        diff.Compare("read-only root filesystem", cc.ReadonlyRootFilesystem, dc.ReadonlyRootFilesystem);
        diff.Compare("privileged", cc.Privileged, dc.Privileged);
        diff.Compare("stop timeout", cc.StopTimeoutSeconds, dc.StopTimeoutSeconds);
        diff.Compare("log driver", cc.LogDriver, dc.LogDriver);
        diff.Map("log option", cc.LogOptions, dc.LogOptions, desiredKeysOnly: false);
    }

    private static void CompareService(Diff diff, EcsServiceSpec d, EcsServiceSpec c, List<string> notes)
    {
        diff.Compare("cluster", c.ClusterName, d.ClusterName);
        diff.Compare("launch type", c.LaunchType, d.LaunchType, "AWS cannot change a service's launch type");
        diff.Compare("task definition family", c.TaskFamily, d.TaskFamily);
        if (d.DesiredCountManagedByAutoScaling)
        {
            notes.Add($"desired count {c.DesiredCount.ToString(CultureInfo.InvariantCulture)} is left to autoscaling");
        }
        else
        {
            diff.Compare("desired count", c.DesiredCount, d.DesiredCount);
        }

        diff.Set("subnets", c.SubnetIds, d.SubnetIds);
        diff.Set("security groups", c.SecurityGroupNames, d.SecurityGroupNames);
        diff.Compare("public IP", c.AssignPublicIp, d.AssignPublicIp);
        diff.Compare("target group", c.TargetGroupName, d.TargetGroupName);
        diff.Compare("load balanced container", c.ContainerName, d.ContainerName);
        diff.Compare("load balanced port", c.ContainerPort, d.ContainerPort);
        diff.Compare("health check grace period", c.HealthCheckGracePeriodSeconds, d.HealthCheckGracePeriodSeconds);
        diff.Compare("circuit breaker", c.CircuitBreaker, d.CircuitBreaker);
        diff.Compare("rollback", c.Rollback, d.Rollback);
        diff.Compare("minimum healthy %", c.MinimumHealthyPercent, d.MinimumHealthyPercent);
        diff.Compare("maximum %", c.MaximumPercent, d.MaximumPercent);
    }

    // What changes to one resource mean for the resources that refer to it.
    private static void Cascade(IReadOnlyList<ResourceSpec> specs, List<PlannedChange> changes)
    {
        for (var i = 0; i < specs.Count; i++)
        {
            var change = changes[i];
            switch (specs[i], change.Action)
            {
                case (TargetGroupSpec tg, ChangeAction.Replace):
                    Touch(specs, changes, s => s is ListenerSpec l && l.TargetGroupName == tg.Name, "target group", "replaced");
                    Touch(specs, changes, s => s is EcsServiceSpec e && e.TargetGroupName == tg.Name, "target group", "replaced");
                    break;
                case (SecurityGroupSpec sg, ChangeAction.Replace):
                    Touch(specs, changes, s => s is LoadBalancerSpec lb && lb.SecurityGroupNames.Contains(sg.Name), "security group " + sg.Name, "replaced");
                    Touch(specs, changes, s => s is EcsServiceSpec e && e.SecurityGroupNames.Contains(sg.Name), "security group " + sg.Name, "replaced");
                    Touch(specs, changes, s => s is SecurityGroupSpec other && other.Ingress.Any(r => r.Source == IngressRuleSpec.GroupPrefix + sg.Name),
                        "inbound rule source " + sg.Name, "replaced");
                    break;
                case (LoadBalancerSpec lb, ChangeAction.Replace):
                    for (var j = 0; j < specs.Count; j++)
                    {
                        if (specs[j] is ListenerSpec l && l.LoadBalancerName == lb.Name && changes[j].Action != ChangeAction.Create)
                        {
                            changes[j] = changes[j] with
                            {
                                Action = ChangeAction.Create,
                                Reason = "its load balancer is replaced",
                                Details = l.Describe(),
                                Changes = [],
                            };
                        }
                    }

                    break;
                case (TaskDefinitionSpec td, ChangeAction.Create or ChangeAction.Update):
                    Touch(specs, changes, s => s is EcsServiceSpec e && e.TaskFamily == td.Name, "task definition",
                        change.CurrentId is null ? "(none)" : Revision(change.CurrentId), "new revision");
                    break;
                case (TaskDefinitionSpec td, ChangeAction.Unchanged):
                    for (var j = 0; j < specs.Count; j++)
                    {
                        if (specs[j] is EcsServiceSpec e && e.TaskFamily == td.Name && changes[j].Action is ChangeAction.Unchanged or ChangeAction.Update)
                        {
                            changes[j] = changes[j] with { Notes = [.. changes[j].Notes, "a new deployment rolls out if the image changed"] };
                        }
                    }

                    break;
            }
        }
    }

    private static void Touch(IReadOnlyList<ResourceSpec> specs, List<PlannedChange> changes, Func<ResourceSpec, bool> refersTo, string property, string desired) =>
        Touch(specs, changes, refersTo, property, "current", desired);

    private static void Touch(IReadOnlyList<ResourceSpec> specs, List<PlannedChange> changes, Func<ResourceSpec, bool> refersTo, string property, string current, string desired)
    {
        for (var j = 0; j < specs.Count; j++)
        {
            if (!refersTo(specs[j]) || changes[j].Action is ChangeAction.Create or ChangeAction.Replace or ChangeAction.Delete)
            {
                continue;
            }

            changes[j] = changes[j] with
            {
                Action = ChangeAction.Update,
                Changes = [.. changes[j].Changes, new PropertyChange(property, current, desired)],
            };
        }
    }

    // "family:7" from a task definition ARN.
    private static string Revision(string arn) => arn[(arn.LastIndexOf('/') + 1)..];

    private static string Mutability(bool immutable) => immutable ? "IMMUTABLE" : "MUTABLE";

    private static string Retention(int? days) => days?.ToString(CultureInfo.InvariantCulture) ?? "never expires";

    /// <summary>Collects the properties that differ and the reasons a resource must be replaced.</summary>
    private sealed class Diff
    {
        private const int MaxValueLength = 80;

        public List<PropertyChange> Changes { get; } = [];

        public List<string> ReplaceReasons { get; } = [];

        public void Compare(string property, string? current, string? desired, string? replaceBecause = null)
        {
            if (string.Equals(current, desired, StringComparison.Ordinal))
            {
                return;
            }

            Changes.Add(new PropertyChange(property, Short(current), Short(desired)));
            if (replaceBecause is not null)
            {
                ReplaceReasons.Add($"{property} {current ?? "(none)"} → {desired ?? "(none)"}: {replaceBecause}");
            }
        }

        public void Compare(string property, int? current, int? desired, string? replaceBecause = null) =>
            Compare(property, current?.ToString(CultureInfo.InvariantCulture), desired?.ToString(CultureInfo.InvariantCulture), replaceBecause);

        public void Compare(string property, bool current, bool desired) =>
            Compare(property, current ? "on" : "off", desired ? "on" : "off");

        // Order does not matter: shown as the whole sets.
        public void Set(string property, IEnumerable<string> current, IEnumerable<string> desired)
        {
            var (c, d) = (current.Order(StringComparer.Ordinal).ToList(), desired.Order(StringComparer.Ordinal).ToList());
            if (!c.SequenceEqual(d, StringComparer.Ordinal))
            {
                Changes.Add(new PropertyChange(property, c.Count == 0 ? null : string.Join(", ", c), d.Count == 0 ? null : string.Join(", ", d)));
            }
        }

        // Each missing item and each extra one.
        public void Items(string property, IEnumerable<string> current, IEnumerable<string> desired)
        {
            var (c, d) = (current.ToHashSet(StringComparer.Ordinal), desired.ToHashSet(StringComparer.Ordinal));
            Changes.AddRange(c.Except(d).Order(StringComparer.Ordinal).Select(x => new PropertyChange(property, x, null)));
            Changes.AddRange(d.Except(c).Order(StringComparer.Ordinal).Select(x => new PropertyChange(property, null, x)));
        }

        // Keyed values; with desiredKeysOnly, keys only the current side has are not differences (e.g. tags others added).
        public void Map(string property, IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string> desired, bool desiredKeysOnly)
        {
            var keys = desiredKeysOnly ? desired.Keys : desired.Keys.Union(current.Keys);
            foreach (var key in keys.Order(StringComparer.Ordinal))
            {
                Compare($"{property} {key}", current.GetValueOrDefault(key), desired.GetValueOrDefault(key));
            }
        }

        private static string? Short(string? value) => value is { Length: > MaxValueLength } ? value[..(MaxValueLength - 1)] + "…" : value;
    }
}

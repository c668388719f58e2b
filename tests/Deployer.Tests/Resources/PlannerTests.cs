using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using Aspire.Deployer.Network;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Settings;

namespace Aspire.Deployer.Tests.Resources;

public sealed class PlannerTests
{
    private static readonly ResourceKind[] DependencyOrder =
    [
        Kind.ServiceLinkedRole,
        Kind.ServiceLinkedRole,
        Kind.EcrRepository,
        Kind.LogGroup,
        Kind.IamRole,
        Kind.IamRole,
        Kind.SecurityGroup,
        Kind.SecurityGroup,
        Kind.LoadBalancer,
        Kind.TargetGroup,
        Kind.Listener,
        Kind.Cluster,
        Kind.TaskDefinition,
        Kind.EcsService,
    ];

    [Fact]
    public void Compute_EmptyAccount_CreatesEverythingInDependencyOrder()
    {
        var desired = PlanSamples.Desired();

        var changes = Planner.Compute(desired, CurrentState.Empty);

        Assert.Equal(DependencyOrder, changes.Select(c => c.Kind));
        Assert.All(changes, c => Assert.Equal(ChangeAction.Create, c.Action));
        Assert.All(changes, c => Assert.False(string.IsNullOrEmpty(c.Details)));
        Assert.Equal(
            ["shop-test-web-us-east-1-execution", "shop-test-web-us-east-1-task", "shop-test-alb", "shop-test-web-service"],
            changes.Where(c => c.Kind == Kind.IamRole || c.Kind == Kind.SecurityGroup).Select(c => c.Name));
        Assert.Contains("image step", Assert.Single(changes, c => c.Kind == Kind.TaskDefinition).Notes.Single());
    }

    [Fact]
    public void Compute_EverythingMatches_AllUnchangedAndNoMutation()
    {
        var desired = PlanSamples.Desired();

        var changes = Planner.Compute(desired, new CurrentState(PlanSamples.Matching(desired)));
        var plan = new DeploymentPlan("shop", "test", PlanSamples.Region, null, PlanSamples.Network, changes);

        Assert.All(changes, c => Assert.Equal(ChangeAction.Unchanged, c.Action));
        Assert.All(changes, c => Assert.Empty(c.Changes));
        Assert.False(plan.HasChanges);
        Assert.Equal("Plan: 0 to create, 0 to update, 0 to replace, 14 unchanged", plan.Summary);
        // The image is known only after the image step: the plan says what follows if it changed.
        Assert.Contains("a new revision is registered if the image changed", Assert.Single(changes, c => c.Kind == Kind.TaskDefinition).Notes);
    }

    [Fact]
    public void Compute_ChangedRetention_OneUpdateWithTheDiff()
    {
        var desired = PlanSamples.Desired();
        var current = PlanSamples.Matching(desired).With<LogGroupSpec>(l => l with { RetentionDays = 7 });

        var changes = Planner.Compute(desired, new CurrentState(current));

        var update = Assert.Single(changes, c => c.IsMutation);
        Assert.Equal((Kind.LogGroup, ChangeAction.Update), (update.Kind, update.Action));
        Assert.Equal("retention 7 → 30", Assert.Single(update.Changes).ToString());
        Assert.Equal("id-LogGroup-/ecs/shop/test/web", update.CurrentId);
    }

    [Fact]
    public void Compute_ChangedContainerPort_MakesANewTargetGroupBesideTheOldAndMovesWhatUsesIt()
    {
        // Everything exists for port 8080; the model now says 9090. AWS cannot change a target group's port, so the
        // group for 9090 (another name) is made beside the old one, which goes last (create-before-destroy).
        var current = PlanSamples.Matching(PlanSamples.Desired());
        var desired = PlanSamples.Desired(PlanSamples.Deployment(containerPort: 9090));
        var (oldGroup, newGroup) = (PlanSamples.TargetGroupName(8080), PlanSamples.TargetGroupName(9090));

        var ordered = Planner.Compute(desired, new CurrentState(current));
        var changes = ordered.ToDictionary(c => (c.Kind, c.Name));

        Assert.NotEqual(oldGroup, newGroup);
        Assert.Equal(ChangeAction.Create, changes[(Kind.TargetGroup, newGroup)].Action);
        var retired = changes[(Kind.TargetGroup, oldGroup)];
        Assert.Equal(ChangeAction.Delete, retired.Action);
        Assert.Contains("replaced by the group for the new settings", retired.Reason);
        Assert.Equal(retired, ordered[^1]);
        Assert.DoesNotContain(ordered, c => c.Action == ChangeAction.Replace);

        Assert.Equal(ChangeAction.Update, changes[(Kind.TaskDefinition, "shop-test-web")].Action);
        Assert.Contains(changes[(Kind.TaskDefinition, "shop-test-web")].Changes, p => p.ToString() == "port mapping http 8080 http → 9090 http");
        Assert.Contains(changes[(Kind.TaskDefinition, "shop-test-web")].Changes, p => p.ToString() == "environment PORT 8080 → 9090");
        Assert.Equal(ChangeAction.Update, changes[(Kind.SecurityGroup, "shop-test-web-service")].Action);
        Assert.Equal(ChangeAction.Update, changes[(Kind.Listener, "shop-test:80")].Action);
        Assert.Contains(changes[(Kind.Listener, "shop-test:80")].Changes, p => p.ToString() == $"forwards to target group {oldGroup} → {newGroup}");
        var service = changes[(Kind.EcsService, "shop-test-web")];
        Assert.Equal(ChangeAction.Update, service.Action);
        Assert.Contains(service.Changes, p => p.ToString() == "load balanced port 8080 → 9090");
        Assert.Contains(service.Changes, p => p.ToString() == $"target group {oldGroup} → {newGroup}");
        Assert.Contains(service.Changes, p => p.Property == "task definition" && p.Desired == "new revision");
        Assert.Equal(ChangeAction.Unchanged, changes[(Kind.LoadBalancer, "shop-test")].Action);
    }

    private static readonly Dictionary<string, Func<List<ObservedResource>, List<ObservedResource>>> Differences = new()
    {
        ["insights off"] = s => s.With<ClusterSpec>(c => c with { ContainerInsights = "disabled" }),
        ["mutable tags"] = s => s.With<EcrRepositorySpec>(r => r with { ImmutableTags = false }),
        ["no scan"] = s => s.With<EcrRepositorySpec>(r => r with { ScanOnPush = false }),
        ["policy missing"] = s => s.With<IamRoleSpec>(r => r with { ManagedPolicyArns = [] }, "shop-test-web-us-east-1-execution"),
        ["task role policy"] = s => s.With<IamRoleSpec>(r => r with { ManagedPolicyArns = ["arn:aws:iam::aws:policy/AdministratorAccess"] }, "shop-test-web-us-east-1-task"),
        ["tag missing"] = s => s.With<ClusterSpec>(c => c with { Tags = new Dictionary<string, string>() }),
        ["attribute off"] = s => s.With<LoadBalancerSpec>(l => l with { Attributes = new Dictionary<string, string> { [LoadBalancerKind.DropInvalidHeaderFieldsAttribute] = "false" } }),
        ["health path"] = s => s.With<TargetGroupSpec>(t => t with { HealthCheck = t.HealthCheck with { Path = "/" } }),
        ["deregistration"] = s => s.With<TargetGroupSpec>(t => t with { Attributes = new Dictionary<string, string> { [TargetGroupKind.DeregistrationDelayAttribute] = "300" } }),
        ["extra rule"] = s => s.With<SecurityGroupSpec>(g => g with { Ingress = [.. g.Ingress, IngressRuleSpec.Tcp(22, "0.0.0.0/0")] }, "shop-test-alb"),
        ["listener port"] = s => s.With<ListenerSpec>(l => l with { Port = 8000 }),
        ["desired count"] = s => s.With<EcsServiceSpec>(e => e with { DesiredCount = 3 }),
        ["no rollback"] = s => s.With<EcsServiceSpec>(e => e with { Rollback = false }),
        ["target type"] = s => s.With<TargetGroupSpec>(t => t with { TargetType = "instance" }),
        ["launch type"] = s => s.With<EcsServiceSpec>(e => e with { LaunchType = "EC2" }),
        ["privileged"] = s => s.With<TaskDefinitionSpec>(t => t with { Container = t.Container with { Privileged = true } }),
        ["log group missing"] = s => s.Without(Kind.LogGroup),
    };

    public static TheoryData<string, ResourceKind, ChangeAction, string> SingleChanges => new()
    {
        { "insights off", Kind.Cluster, ChangeAction.Update, "containerInsights disabled → enabled" },
        { "mutable tags", Kind.EcrRepository, ChangeAction.Update, "tag mutability MUTABLE → IMMUTABLE" },
        { "no scan", Kind.EcrRepository, ChangeAction.Update, "scan on push off → on" },
        { "policy missing", Kind.IamRole, ChangeAction.Update, "managed policies (none) → AmazonECSTaskExecutionRolePolicy" },
        { "task role policy", Kind.IamRole, ChangeAction.Update, "managed policies AdministratorAccess → (none)" },
        { "tag missing", Kind.Cluster, ChangeAction.Update, "tag aspire:app (none) → shop" },
        { "attribute off", Kind.LoadBalancer, ChangeAction.Update, "attribute routing.http.drop_invalid_header_fields.enabled false → true" },
        { "health path", Kind.TargetGroup, ChangeAction.Update, "health check path / → /health" },
        { "deregistration", Kind.TargetGroup, ChangeAction.Update, "attribute deregistration_delay.timeout_seconds 300 → 10" },
        { "extra rule", Kind.SecurityGroup, ChangeAction.Update, "inbound rule tcp 22 from 0.0.0.0/0 → (none)" },
        { "listener port", Kind.Listener, ChangeAction.Update, "port 8000 → 80" },
        { "desired count", Kind.EcsService, ChangeAction.Update, "desired count 3 → 1" },
        { "no rollback", Kind.EcsService, ChangeAction.Update, "rollback off → on" },
        { "target type", Kind.TargetGroup, ChangeAction.Replace, "target type instance → ip" },
        { "launch type", Kind.EcsService, ChangeAction.Replace, "launch type EC2 → FARGATE" },
        { "privileged", Kind.TaskDefinition, ChangeAction.Update, "privileged on → off" },
        { "log group missing", Kind.LogGroup, ChangeAction.Create, "" },
    };

    [Theory]
    [MemberData(nameof(SingleChanges))]
    public void Compute_OneDifference_PlansThatResourceWithTheDiff(string scenario, ResourceKind kind, ChangeAction action, string diff)
    {
        var desired = PlanSamples.Desired();

        var changes = Planner.Compute(desired, new CurrentState(Differences[scenario](PlanSamples.Matching(desired))));

        var changed = changes.Where(c => c.Kind == kind && c.Action == action).ToList();
        Assert.True(changed.Count == 1, $"{scenario}: expected one {action} of a {kind}, got: {string.Join("; ", changes.Where(c => c.IsMutation).Select(c => $"{c.Action} {c.Kind} {c.Name}"))}");
        if (diff.Length > 0)
        {
            Assert.Contains(diff, changed[0].Changes.Select(p => p.ToString()));
        }

        // Nothing else differs, except what refers to a replaced resource and the service running a new task definition revision.
        var others = changes.Where(c => c.IsMutation && c != changed[0]).ToList();
        if (action == ChangeAction.Replace)
        {
            Assert.All(others, o => Assert.Equal(ChangeAction.Update, o.Action));
        }
        else if (kind == Kind.TaskDefinition)
        {
            Assert.Equal("task definition id-TaskDefinition-shop-test-web → new revision", Assert.Single(Assert.Single(others, o => o.Kind == Kind.EcsService).Changes).ToString());
        }
        else
        {
            Assert.Empty(others);
        }
    }

    [Fact]
    public void Compute_ReplacedLoadBalancer_RecreatesItsListeners()
    {
        var desired = PlanSamples.Desired();
        var current = PlanSamples.Matching(desired).With<LoadBalancerSpec>(l => l with { Scheme = "internal" });

        var changes = Planner.Compute(desired, new CurrentState(current));

        var lb = Assert.Single(changes, c => c.Kind == Kind.LoadBalancer);
        Assert.Equal(ChangeAction.Replace, lb.Action);
        Assert.Contains("scheme internal → internet-facing", lb.Reason);
        var listener = Assert.Single(changes, c => c.Kind == Kind.Listener);
        Assert.Equal(ChangeAction.Create, listener.Action);
        Assert.Equal("its load balancer is replaced", listener.Reason);
    }

    [Fact]
    public void Compute_ReplacedSecurityGroup_UpdatesTheGroupsAndResourcesThatUseIt()
    {
        var desired = PlanSamples.Desired();
        var current = PlanSamples.Matching(desired).With<SecurityGroupSpec>(g => g with { VpcId = "vpc-old" }, "shop-test-alb");

        var changes = Planner.Compute(desired, new CurrentState(current)).Where(c => c.IsMutation).ToDictionary(c => (c.Kind, c.Name), c => c.Action);

        Assert.Equal(ChangeAction.Replace, changes[(Kind.SecurityGroup, "shop-test-alb")]);
        Assert.Equal(ChangeAction.Update, changes[(Kind.LoadBalancer, "shop-test")]);
        Assert.Equal(ChangeAction.Update, changes[(Kind.SecurityGroup, "shop-test-web-service")]);
        Assert.Equal(3, changes.Count);
    }

    [Fact]
    public void Compute_PropertiesAwsDidNotReport_AreNotComparedButNoted()
    {
        var desired = PlanSamples.Desired();
        var current = PlanSamples.Matching(desired);
        var index = current.FindIndex(r => r.Spec.Kind == Kind.EcsService);
        current[index] = current[index] with { Unreported = ["health check grace period"] };

        var changes = Planner.Compute(desired, new CurrentState(current));

        Assert.DoesNotContain(changes, c => c.IsMutation);
        Assert.Contains("not reported by AWS, so not compared: health check grace period", Assert.Single(changes, c => c.Kind == Kind.EcsService).Notes);
    }

    [Fact]
    public void Compute_ExtraTagsOnCurrent_AreNotDifferences()
    {
        var desired = PlanSamples.Desired();
        var current = PlanSamples.Matching(desired)
            .With<ClusterSpec>(c => c with { Tags = new Dictionary<string, string>(c.Tags) { ["cost-center"] = "42" } });

        Assert.DoesNotContain(Planner.Compute(desired, new CurrentState(current)), c => c.IsMutation);
    }

    [Fact]
    public void Compute_AutoScaling_CreatedWhenConfiguredDeletedWhenNotAndCountLeftToIt()
    {
        var scaled = PlanSamples.Desired(PlanSamples.Deployment(configure: o => o.AutoScaling = new AutoScalingOptions(2, 6, 50)));
        var current = PlanSamples.Matching(PlanSamples.Desired()).With<EcsServiceSpec>(e => e with { DesiredCount = 5 });

        var changes = Planner.Compute(scaled, new CurrentState(current));

        var create = Assert.Single(changes, c => c.IsMutation && c.Kind != Kind.ServiceLinkedRole);
        Assert.Equal((Kind.AutoScaling, ChangeAction.Create, "service/shop-test/shop-test-web"), (create.Kind, create.Action, create.Name));
        // Autoscaling needs Application Auto Scaling's service-linked role for ECS, made first.
        var role = Assert.Single(changes, c => c.IsMutation && c.Kind == Kind.ServiceLinkedRole);
        Assert.Equal(("AWSServiceRoleForApplicationAutoScaling_ECSService", ChangeAction.Create), (role.Name, role.Action));
        Assert.Contains("desired count 5 is left to autoscaling", Assert.Single(changes, c => c.Kind == Kind.EcsService).Notes);

        // Autoscaling switched off again: the scalable target is deleted, after everything else.
        var withScaling = PlanSamples.Matching(scaled);
        var unscaled = Planner.Compute(PlanSamples.Desired(), new CurrentState(withScaling));
        var delete = unscaled[^1];
        Assert.Equal((Kind.AutoScaling, ChangeAction.Delete), (delete.Kind, delete.Action));
        Assert.Equal("autoscaling is no longer configured for this service", delete.Reason);
    }

    [Fact]
    public void Compute_KnownImage_ComparedAndNewRevisionWhenDifferent()
    {
        var images = new Dictionary<string, string> { ["web"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/test/web@sha256:bbb" };
        var desired = PlanSamples.Build(PlanSamples.Deployment(), PlanSamples.Network, new AwsTarget(PlanSamples.Region), images);
        var current = PlanSamples.Matching(desired)
            .With<TaskDefinitionSpec>(t => t with { Container = t.Container with { Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/test/web@sha256:aaa" } });
        current[current.FindIndex(r => r.Spec.Kind == Kind.TaskDefinition)] = current.Single(r => r.Spec.Kind == Kind.TaskDefinition)
            with { Id = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-test-web:4" };

        var changes = Planner.Compute(desired, new CurrentState(current));

        var td = Assert.Single(changes, c => c.Kind == Kind.TaskDefinition);
        Assert.Equal(ChangeAction.Update, td.Action);
        Assert.Contains("image", td.Changes.Single().Property);
        Assert.Contains("registers a new revision of shop-test-web; the current one is shop-test-web:4", td.Notes);
        var service = Assert.Single(changes, c => c.Kind == Kind.EcsService);
        Assert.Equal("task definition shop-test-web:4 → new revision", Assert.Single(service.Changes).ToString());

        // The same image: nothing to do at all.
        var same = PlanSamples.Matching(desired);
        Assert.DoesNotContain(Planner.Compute(desired, new CurrentState(same)), c => c.IsMutation);
    }

    [Fact]
    public void Plan_ToLinesAndJson_ShowEveryChangeAndTheSummary()
    {
        var desired = PlanSamples.Desired();
        var current = PlanSamples.Matching(desired).With<LogGroupSpec>(l => l with { RetentionDays = 7 }).Without(Kind.Cluster);
        var plan = new DeploymentPlan("shop", "test", PlanSamples.Region, "123456789012", PlanSamples.Network, Planner.Compute(desired, new CurrentState(current)));

        var lines = plan.ToLines();

        Assert.Equal("Plan for shop (test) in us-east-1, account 123456789012", lines[0]);
        Assert.Equal("Network: vpc-1 (default VPC), load balancer in subnet-a (us-east-1a), subnet-b (us-east-1b); tasks in the same subnets, with a public IP (public subnets)", lines[1]);
        Assert.Contains(lines, l => l.Contains("~", StringComparison.Ordinal) && l.Contains("update", StringComparison.Ordinal) && l.EndsWith("/ecs/shop/test/web", StringComparison.Ordinal));
        Assert.Contains("        retention 7 → 30", lines);
        Assert.Contains(lines, l => l.Contains("create", StringComparison.Ordinal) && l.Contains("shop-test: containerInsights enabled", StringComparison.Ordinal));
        Assert.Equal("Plan: 1 to create, 1 to update, 0 to replace, 12 unchanged.", lines[^1]);

        using var json = System.Text.Json.JsonDocument.Parse(plan.ToJson());
        var root = json.RootElement;
        Assert.Equal("Plan: 1 to create, 1 to update, 0 to replace, 12 unchanged", root.GetProperty("summary").GetString());
        Assert.True(root.GetProperty("hasChanges").GetBoolean());
        Assert.Equal(14, root.GetProperty("changes").GetArrayLength());
        var logGroup = root.GetProperty("changes").EnumerateArray().Single(c => c.GetProperty("kind").GetString() == "LogGroup");
        Assert.Equal("Update", logGroup.GetProperty("action").GetString());
        Assert.Equal("7", logGroup.GetProperty("changes")[0].GetProperty("current").GetString());
        Assert.False(root.TryGetProperty("desired", out _));
    }

    [Fact]
    public void Plan_NothingToChange_SaysSo()
    {
        var desired = PlanSamples.Desired();
        var plan = new DeploymentPlan("shop", "test", PlanSamples.Region, null, PlanSamples.Network, Planner.Compute(desired, new CurrentState(PlanSamples.Matching(desired))));

        Assert.Equal("Plan: 0 to create, 0 to update, 0 to replace, 14 unchanged. Nothing to change.", plan.ToLines()[^1]);
        Assert.Equal("Plan for shop (test) in us-east-1", plan.ToLines()[0]);
    }
}

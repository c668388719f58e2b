using Aspire.Deployer.Diagnosis;

namespace Aspire.Deployer.Tests.Diagnosis;

/// <summary>
/// Each known cause of a failed rollout is named from what ECS and the load balancer report (texts as the ECS
/// Developer Guide's stopped-task error pages and ELBv2's reason codes give them), with its own fix; evidence that
/// matches none gives no cause rather than a wrong one.
/// </summary>
public sealed class KnownCausesTests
{
    private static StoppedTask Task(string? stopCode, string? reason, params StoppedContainer[] containers) =>
        new("0123456789abcdef", "shop-test-web:2", stopCode, reason, DateTimeOffset.UtcNow, containers, []);

    private static Evidence Tasks(params StoppedTask[] tasks) => new(tasks, [], [], "/health", 8080);

    private static Evidence Targets(params UnhealthyTarget[] targets) => new([], targets, [], "/health", 8080);

    public static TheoryData<string, Evidence, string, string, string> Cases => new()
    {
        {
            "no route to ECR",
            Tasks(Task("TaskFailedToStart", "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web@sha256:ab: failed to do request: Head \"https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/\": dial tcp 52.94.1.1:443: i/o timeout")),
            "CannotPullContainerError", "no route from the task's subnets to the registry", "with Aws:TaskSubnetIds"
        },
        {
            "image missing",
            Tasks(Task("TaskFailedToStart", "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web:v9: not found")),
            "CannotPullContainerError", "the image is not in the registry", "image step pushes"
        },
        {
            "pull denied",
            Tasks(Task("TaskFailedToStart", "CannotPullContainerError: pull access denied for app/web, repository does not exist or may require 'docker login'")),
            "CannotPullContainerError", "the execution role may not pull it", "AmazonECSTaskExecutionRolePolicy"
        },
        {
            "exit at start",
            Tasks(Task("EssentialContainerExited", "Essential container in task exited", new StoppedContainer("web", 1, null))),
            "ContainerExited", "container web exited with code 1 as it started", "docker run"
        },
        {
            "exit zero",
            Tasks(Task("EssentialContainerExited", "Essential container in task exited", new StoppedContainer("web", 0, null))),
            "ContainerExited", "exited with code 0: a web service must keep running", "CMD"
        },
        {
            "out of memory",
            Tasks(Task("EssentialContainerExited", "Essential container in task exited", new StoppedContainer("web", 137, "OutOfMemoryError: Container killed due to memory usage"))),
            "OutOfMemory", "more memory than the task has", "MemoryMiB"
        },
        {
            "role not assumable",
            new Evidence([], [], ["(service shop-test-web) failed to launch a task with (error ECS was unable to assume the role 'arn:aws:iam::123456789012:role/shop-test-web-execution' that was provided for this task.)"], "/health", 8080),
            "RoleNotAssumable", "ECS could not assume a role", "ecs-tasks.amazonaws.com"
        },
        {
            "health path 404",
            Targets(new UnhealthyTarget("10.0.1.5", "unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [404]")),
            "HealthCheckCode", "GET /health answered 404, not 200", "Serve /health with 200"
        },
        {
            "health path 302",
            Targets(new UnhealthyTarget("10.0.1.5", "unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [302]")),
            "HealthCheckCode", "GET /health answered 302, not 200", "redirects"
        },
        {
            "port not listening",
            Targets(new UnhealthyTarget("10.0.1.5", "unhealthy", "Target.FailedHealthChecks", "Health checks failed")),
            "PortNotListening", "no answer from the tasks on port 8080", "0.0.0.0:8080"
        },
        {
            "secrets unreadable",
            Tasks(Task("TaskFailedToStart", "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from asm: AccessDeniedException")),
            "ResourceInitializationError", "could not read its secrets", "Secrets Manager"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Find_KnownEvidence_NamesTheCauseWithItsFix(string scenario, Evidence evidence, string code, string what, string fix)
    {
        var cause = Assert.Single(KnownCauses.Find(evidence));

        Assert.True(cause.Code == code, $"{scenario}: {cause.Code}");
        Assert.Contains(what, cause.What, StringComparison.Ordinal);
        Assert.Contains(fix, cause.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_ProcessKilledAfterFailedHealthChecks_IsNotAnExitAtStartOrOutOfMemory()
    {
        var killed = Task("ServiceSchedulerInitiated", "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-test-web/1)",
            new StoppedContainer("web", 137, null));

        var cause = Assert.Single(KnownCauses.Find(Tasks(killed)));

        Assert.Equal("HealthChecksFailed", cause.Code);
    }

    [Fact]
    public void Find_TwoTasksFailingAlike_GiveOneCause_AndNothingKnownGivesNone()
    {
        var pull = Task("TaskFailedToStart", "CannotPullContainerError: dial tcp 52.94.1.1:443: i/o timeout");

        Assert.Single(KnownCauses.Find(Tasks(pull, pull with { TaskId = "fedcba9876543210" })));
        Assert.Empty(KnownCauses.Find(Tasks(Task("UserInitiated", "Task stopped by user"))));
    }
}

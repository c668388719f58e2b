using Aspire.Deployer.Hosting;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Tests.Resources;
using Aspire.Deployer.Verbs;
using Xunit.Abstractions;
using static Aspire.Deployer.Tests.Verbs.ApplyTestKit;

namespace Aspire.Deployer.Tests.Diagnosis;

/// <summary>
/// A deploy whose rollout the circuit breaker fails (scripted by <see cref="FailedRollout"/> in front of moto, since
/// moto never runs a task): one task could not pull its image, another exited 1 after writing log lines to its
/// CloudWatch stream (real events in moto). The deploy fails with a diagnosis that names both causes, shows the log
/// lines and gives each fix, in the output and in the JSON summary.
/// </summary>
public sealed class FailedRolloutTests(ITestOutputHelper output)
{
    private const string PullTask = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private const string CrashTask = "0f9e8d7c6b5a49382716a5b4c3d2e1f0";
    private const string PullError =
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web@sha256:ab: " +
        "failed to do request: Head \"https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/app/web/manifests/sha256:ab\": dial tcp 52.94.1.1:443: i/o timeout";

    [Fact]
    public async Task Deploy_RolloutFailsWithAPullErrorAndACrash_DiagnosesBothWithLogLinesAndFixes()
    {
        var moto = await MotoServer.GetAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        var names = deployment.Services[0].Names;
        using (var aws = await moto.SessionAsync())
        {
            // What the crashing task wrote before it exited (awslogs: prefix/container/task-id).
            await LogEvents.WriteAsync(aws, names.LogGroup, LogEvents.Stream(names.Resource, names.Resource, CrashTask), DateTimeOffset.UtcNow.AddSeconds(-30),
                """{"time":"2026-12-01T10:00:00.000Z","level":"info","msg":"starting","port":8080}""",
                "Error: Cannot find module '/app/src/server.js'",
                "    at Module._resolveFilename (node:internal/modules/cjs/loader:1145:15)");
        }

        await using var proxy = await FaultProxy.StartAsync(moto.Endpoint);
        proxy.Behaviours.Add(new FailedRollout(names.Service,
        [
            new ScriptedStoppedTask(PullTask, "TaskFailedToStart", PullError, null),
            new ScriptedStoppedTask(CrashTask, "EssentialContainerExited", "Essential container in task exited", 1),
        ]));

        var failure = await Assert.ThrowsAsync<DeployFailedException>(() => DeployAsync(proxy.Endpoint, deployment, Image(deployment)));

        var diagnosis = Assert.Single(failure.Summary.Diagnosis!);
        Assert.Contains(FailedRollout.RolloutReason, diagnosis.Outcome);
        Assert.Equal(["CannotPullContainerError", "ContainerExited"], diagnosis.Causes.Select(c => c.Code));
        Assert.Contains("no route from the task's subnets to the registry", diagnosis.Causes[0].What);
        Assert.Contains("NAT gateway", diagnosis.Causes[0].Fix);
        Assert.Contains($"task {CrashTask}: container web exited with code 1 as it started (last: Error: Cannot find module '/app/src/server.js')", diagnosis.Causes[1].What);
        var crashed = diagnosis.StoppedTasks.Single(t => t.TaskId == CrashTask);
        Assert.Equal("Error: Cannot find module '/app/src/server.js'", crashed.LastLogLines[1]);
        Assert.Empty(diagnosis.StoppedTasks.Single(t => t.TaskId == PullTask).LastLogLines);

        // What the step prints, once: the headline, each cause with its fix, the stopped tasks with their exit codes and log lines.
        var printed = StepFailures.Describe(failure, "Deploy").ToText();
        output.WriteLine(printed);
        Assert.StartsWith("Deploy failed: web: the deployment of", printed, StringComparison.Ordinal);
        Assert.Equal(2, Occurrences(printed, "cause: "));
        Assert.Equal(2, Occurrences(printed, "fix: "));
        Assert.Contains("container web: exit 1", printed, StringComparison.Ordinal);
        Assert.Contains("| Error: Cannot find module '/app/src/server.js'", printed, StringComparison.Ordinal);
        Assert.Contains("container web: did not run", printed, StringComparison.Ordinal);
        Assert.Contains("Fix the cause the diagnosis names", printed, StringComparison.Ordinal);

        // The JSON summary carries the same diagnosis.
        var read = DeploySummary.FromJson(failure.Summary.ToJson())!;
        Assert.Equal("failed", read.Result);
        Assert.Equal(diagnosis.Causes, Assert.Single(read.Diagnosis!).Causes);
        Assert.Equal(crashed.LastLogLines, read.Diagnosis![0].StoppedTasks.Single(t => t.TaskId == CrashTask).LastLogLines);
    }

    private static int Occurrences(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

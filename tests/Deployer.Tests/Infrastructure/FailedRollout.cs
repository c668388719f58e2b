using System.Text;
using System.Text.Json.Nodes;

namespace Aspire.Deployer.Tests.Infrastructure;

/// <summary>One task the failed rollout stopped, as ECS's DescribeTasks reports it.</summary>
/// <param name="Id">The task id (its log stream is <c>{prefix}/{container}/{id}</c>).</param>
/// <param name="StopCode">ECS's stop code.</param>
/// <param name="StoppedReason">ECS's reason text.</param>
/// <param name="ExitCode">The container's exit code, or null when it never ran.</param>
/// <param name="ContainerReason">The container's reason, or null.</param>
public sealed record ScriptedStoppedTask(string Id, string StopCode, string StoppedReason, int? ExitCode, string? ContainerReason = null);

/// <summary>
/// A rollout the deployment circuit breaker fails, as ECS reports one where moto never runs a task: DescribeServices
/// shows the service's deployment FAILED with no task running ("If the service fails to reach a steady state and circuit
/// breaker is turned on, the deployment transitions to a FAILED state": ECS API reference, Deployment.rolloutState;
/// ECS Developer Guide, "How the Amazon ECS deployment circuit breaker detects failures"), and ListTasks / DescribeTasks
/// with desiredStatus STOPPED give the stopped tasks with their stop codes, reasons and exit codes (ECS Developer Guide,
/// "Amazon ECS stopped task error messages"). Everything else, CloudWatch Logs included, is moto's.
/// </summary>
/// <param name="service">The ECS service whose rollout fails.</param>
/// <param name="tasks">The tasks it stopped.</param>
/// <param name="targetHealth">The target health to report for its target group (empty: moto's, which has no targets).</param>
public sealed class FailedRollout(string service, IReadOnlyList<ScriptedStoppedTask> tasks, IReadOnlyList<(string Id, string State, string Reason, string Description)>? targetHealth = null)
    : IAwsBehaviour
{
    private const string Region = "us-east-1";
    private const string Account = "123456789012";
    private string? _taskDefinitionArn;
    private string? _cluster;

    /// <summary>The reason ECS gives a FAILED rollout.</summary>
    public const string RolloutReason = "ECS deployment circuit breaker: tasks failed to start.";

    /// <inheritdoc />
    public AwsAnswer? Before(ProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Operation == "ListTasks" && request.JsonString("serviceName") == service && request.JsonString("desiredStatus") == "STOPPED")
        {
            _cluster ??= request.JsonString("cluster");
            return Json(new JsonObject { ["taskArns"] = new JsonArray([.. tasks.Select(t => (JsonNode)TaskArn(t.Id))]) });
        }

        if (request.Operation == "DescribeTasks" && tasks.Any(t => request.Text.Contains(t.Id, StringComparison.Ordinal)))
        {
            return Json(new JsonObject { ["tasks"] = new JsonArray([.. tasks.Select(Describe)]), ["failures"] = new JsonArray() });
        }

        if (request.Operation == "DescribeTargetHealth" && targetHealth is { Count: > 0 } && _taskDefinitionArn is not null)
        {
            return new AwsAnswer(200, "text/xml",
                "<DescribeTargetHealthResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><DescribeTargetHealthResult><TargetHealthDescriptions>" +
                string.Concat(targetHealth.Select(t => $"<member><Target><Id>{t.Id}</Id><Port>8080</Port></Target><TargetHealth><State>{t.State}</State><Reason>{t.Reason}</Reason><Description>{t.Description}</Description></TargetHealth></member>")) +
                "</TargetHealthDescriptions></DescribeTargetHealthResult><ResponseMetadata><RequestId>proxy</RequestId></ResponseMetadata></DescribeTargetHealthResponse>");
        }

        return null;
    }

    /// <inheritdoc />
    public AwsAnswer? After(ProxyRequest request, int status, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (status != 200 || request.Operation != "DescribeServices")
        {
            return null;
        }

        var answer = JsonNode.Parse(Encoding.UTF8.GetString(body))!.AsObject();
        var changed = false;
        foreach (var svc in answer["services"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            if ((string?)svc["serviceName"] != service || svc["deployments"] is not JsonArray { Count: > 0 } deployments)
            {
                continue;
            }

            _taskDefinitionArn = (string?)svc["taskDefinition"];
            _cluster ??= ((string?)svc["clusterArn"])?.Split('/')[^1];
            svc["runningCount"] = 0;
            foreach (var deployment in deployments.OfType<JsonObject>())
            {
                deployment["rolloutState"] = "FAILED";
                deployment["rolloutStateReason"] = RolloutReason;
                deployment["runningCount"] = 0;
                deployment["failedTasks"] = tasks.Count;
            }

            changed = true;
        }

        return changed ? Json(answer) : null;
    }

    private string TaskArn(string id) => $"arn:aws:ecs:{Region}:{Account}:task/{_cluster ?? "cluster"}/{id}";

    private JsonObject Describe(ScriptedStoppedTask task) => new()
    {
        ["taskArn"] = TaskArn(task.Id),
        ["taskDefinitionArn"] = _taskDefinitionArn,
        ["lastStatus"] = "STOPPED",
        ["desiredStatus"] = "STOPPED",
        ["stopCode"] = task.StopCode,
        ["stoppedReason"] = task.StoppedReason,
        ["stoppedAt"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
        ["containers"] = new JsonArray(new JsonObject
        {
            ["name"] = "web",
            ["lastStatus"] = "STOPPED",
            ["exitCode"] = task.ExitCode,
            ["reason"] = task.ContainerReason,
        }),
    };

    private static AwsAnswer Json(JsonObject body) => new(200, "application/x-amz-json-1.1", body.ToJsonString());
}

using Aspire.Deployer.Aws;
using Logs = Aspire.Deployer.Aws.CloudWatchLogs;

namespace Aspire.Deployer.Tests.Infrastructure;

/// <summary>Writes log events into CloudWatch Logs (moto) as the awslogs driver does for a task's container.</summary>
public static class LogEvents
{
    /// <summary>The awslogs stream of a task's container: <c>prefix/container/task-id</c>.</summary>
    public static string Stream(string prefix, string container, string taskId) => $"{prefix}/{container}/{taskId}";

    /// <summary>Writes <paramref name="lines"/> into the stream (made with its group when missing), one millisecond apart from <paramref name="at"/>.</summary>
    public static async Task WriteAsync(AwsSession session, string group, string stream, DateTimeOffset at, params string[] lines)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            await session.Logs.CreateLogGroupAsync(new Logs.CreateLogGroupRequest { LogGroupName = group });
        }
        catch (AwsApiException e) when (e.ErrorCode == "ResourceAlreadyExistsException")
        {
        }

        try
        {
            await session.Logs.CreateLogStreamAsync(new Logs.CreateLogStreamRequest { LogGroupName = group, LogStreamName = stream });
        }
        catch (AwsApiException e) when (e.ErrorCode == "ResourceAlreadyExistsException")
        {
        }

        var start = at.ToUnixTimeMilliseconds();
        await session.Logs.PutLogEventsAsync(new Logs.PutLogEventsRequest
        {
            LogGroupName = group,
            LogStreamName = stream,
            LogEvents = [.. lines.Select((line, i) => new Logs.InputLogEvent { Timestamp = start + i, Message = line })],
        });
    }
}

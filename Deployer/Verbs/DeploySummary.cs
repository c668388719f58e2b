using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Aspire.Deployer.Aws;

namespace Aspire.Deployer.Verbs;

/// <summary>One deployed service in the summary.</summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="Url">Where it answers: <c>http(s)://&lt;load balancer DNS&gt;:&lt;listener port&gt;</c>; null without an external endpoint.</param>
/// <param name="Image">The image by digest.</param>
/// <param name="TaskDefinitionArn">The task definition revision it runs.</param>
/// <param name="RunningCount">Tasks running when the wait ended.</param>
/// <param name="DesiredCount">Tasks wanted.</param>
/// <param name="HealthyTargets">Healthy targets when the wait ended (null when not checked).</param>
public sealed record DeployedService(string Resource, string? Url, string? Image, string? TaskDefinitionArn, int? RunningCount, int? DesiredCount, int? HealthyTargets)
{
    /// <summary>Where the services that call it reach it inside the VPC (ECS Service Connect), e.g. <c>http://api:8080</c>; null when nothing calls it.</summary>
    public string? InternalUrl { get; init; }
}

/// <summary>The machine-readable summary of a deploy (written as JSON for CI).</summary>
/// <param name="App">The application.</param>
/// <param name="Environment">The environment.</param>
/// <param name="Region">The region.</param>
/// <param name="Account">The account, when known.</param>
/// <param name="Result"><c>succeeded</c> or <c>failed</c>.</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="Changes">How many changes of each action the plan had.</param>
/// <param name="MutatingCalls">How many mutating AWS calls the apply made.</param>
/// <param name="DurationSeconds">Wall time of the deploy.</param>
/// <param name="Services">The services.</param>
/// <param name="Changed">What the deploy changed, in order ("create ECR repository shop/prod/web"): after a failure,
/// what exists now (and costs money), from where a rerun continues.</param>
public sealed partial record DeploySummary(
    string App,
    string Environment,
    string? Region,
    string? Account,
    string Result,
    string? Error,
    IReadOnlyDictionary<string, int> Changes,
    int MutatingCalls,
    double DurationSeconds,
    IReadOnlyList<DeployedService> Services,
    IReadOnlyList<string>? Changed = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The summary as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a summary written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON.</param>
    public static DeploySummary? FromJson(string json) => JsonSerializer.Deserialize<DeploySummary>(json, Json);

    /// <summary>The summary as lines for people.</summary>
    public IReadOnlyList<string> ToLines()
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"Deploy {Result}: {App} ({Environment}) in {Region ?? "?"} after {DurationSeconds:0.#} s, {MutatingCalls} changing AWS call(s)."),
        };
        lines.AddRange(Services.Select(s =>
            $"  {s.Resource}: {s.Url ?? (s.InternalUrl is null ? "(no public URL)" : s.InternalUrl + " (internal, Service Connect)")}  image {s.Image ?? "?"}  task definition {Arn.LastSegmentOr(s.TaskDefinitionArn, "?")}" +
            (s.RunningCount is null ? "" : string.Create(CultureInfo.InvariantCulture, $"  {s.RunningCount}/{s.DesiredCount} running")) +
            (s.HealthyTargets is null ? "" : string.Create(CultureInfo.InvariantCulture, $", {s.HealthyTargets} healthy target(s)"))));
        if (Error is not null)
        {
            lines.Add("  error: " + Error);
            if (Changed is { Count: > 0 } changed)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"  changed before the failure ({changed.Count}; they exist now, and a rerun continues from here): {string.Join("; ", changed)}"));
            }
        }

        lines.AddRange(DayTwoLines());
        return lines;
    }

}

/// <summary>The deploy failed; <see cref="Summary"/> holds what is known (written to the summary file too).</summary>
public sealed class DeployFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="summary">The failed deploy's summary.</param>
    /// <param name="inner">The cause.</param>
    public DeployFailedException(DeploySummary summary, Exception inner) : base(inner?.Message, inner)
    {
        Summary = summary;
    }

    /// <summary>What is known about the failed deploy.</summary>
    public DeploySummary Summary { get; }
}

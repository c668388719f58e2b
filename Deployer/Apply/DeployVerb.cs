using Aspire.Deployer.Reporting;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Aspire.Deployer.Plan;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Apply;

/// <summary>One deployed service in the summary.</summary>
/// <param name="Resource">The Aspire resource.</param>
/// <param name="Url">Where it answers: <c>http(s)://&lt;load balancer DNS&gt;:&lt;listener port&gt;</c>.</param>
/// <param name="Image">The image by digest.</param>
/// <param name="TaskDefinitionArn">The task definition revision it runs.</param>
/// <param name="RunningCount">Tasks running when the wait ended.</param>
/// <param name="DesiredCount">Tasks wanted.</param>
/// <param name="HealthyTargets">Healthy targets when the wait ended (null when not checked).</param>
public sealed record DeployedService(string Resource, string? Url, string? Image, string? TaskDefinitionArn, int? RunningCount, int? DesiredCount, int? HealthyTargets);

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
public sealed record DeploySummary(
    string App,
    string Environment,
    string? Region,
    string? Account,
    string Result,
    string? Error,
    IReadOnlyDictionary<string, int> Changes,
    int MutatingCalls,
    double DurationSeconds,
    IReadOnlyList<DeployedService> Services)
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
            $"  {s.Resource}: {s.Url ?? "(no URL)"}  image {s.Image ?? "?"}  task definition {Revision(s.TaskDefinitionArn)}" +
            (s.RunningCount is null ? "" : string.Create(CultureInfo.InvariantCulture, $"  {s.RunningCount}/{s.DesiredCount} running")) +
            (s.HealthyTargets is null ? "" : string.Create(CultureInfo.InvariantCulture, $", {s.HealthyTargets} healthy target(s)"))));
        if (Error is not null)
        {
            lines.Add("  error: " + Error);
        }

        return lines;
    }

    private static string Revision(string? arn) => arn is null ? "?" : arn[(arn.LastIndexOf('/') + 1)..];
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

/// <summary>
/// The deploy verb: plan (with the pushed images), print the plan, apply it, wait until every service is steady and
/// healthy, and summarize. A deploy with nothing to change says "No changes." and makes no mutating call.
/// </summary>
public static class DeployVerb
{
    /// <summary>Deploys.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="deployment">The validated deployment (validated again before any call).</param>
    /// <param name="images">The image by digest per Aspire resource (from the image pipeline); every service needs one.</param>
    /// <param name="settings">Network and wait settings.</param>
    /// <param name="progress">Where the plan, the changes, the events and the summary go.</param>
    /// <param name="cancellationToken">Cancels the deploy; a rerun converges.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="DeploymentValidationException">The deployment or the network is not valid; nothing was changed.</exception>
    /// <exception cref="DeployFailedException">Applying or waiting failed; its summary says what is known.</exception>
    public static async Task<DeploySummary> RunAsync(
        AwsSession session,
        DeploymentDescription deployment,
        IReadOnlyDictionary<string, string> images,
        DeploySettings settings,
        IDeployProgress progress,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);

        DeploymentValidator.EnsureValid(deployment);
        var missing = deployment.Services.Where(s => !images.ContainsKey(s.Names.Resource)).Select(s => s.Names.Resource).ToList();
        if (missing.Count > 0)
        {
            throw new DeploymentValidationException([.. missing.Select(m => $"{m}: no pushed image; the image step must publish it before the deploy.")]);
        }

        var clock = Stopwatch.StartNew();
        // Events a little older than this deploy (clocks differ) are shown too: they are what the deploy started.
        var startedAt = DateTimeOffset.UtcNow.AddSeconds(-5);
        progress.Step("Plan");
        var plan = await PlanVerb.RunAsync(session, deployment, settings.Network, images, cancellationToken).ConfigureAwait(false);
        foreach (var line in plan.ToLines())
        {
            progress.Info(line);
        }

        ApplyResult? applied = null;
        IReadOnlyList<ServiceState>? states = null;
        try
        {
            progress.Step("Apply");
            if (!plan.HasChanges)
            {
                progress.Info("No changes.");
            }

            applied = await new PlanApplier(session, progress).ApplyAsync(plan, cancellationToken).ConfigureAwait(false);

            progress.Step("Wait until steady and healthy");
            var targets = deployment.Services.Select(s => new WaitTarget(
                s.Names.Resource,
                s.Names.Cluster,
                s.Names.Service,
                applied.TaskDefinitionArns.GetValueOrDefault(s.Names.Resource) ?? throw new InvalidOperationException($"{s.Names.Resource}: no task definition after apply."),
                applied.TargetGroupArns.GetValueOrDefault(s.Names.Resource))).ToList();
            states = await new DeploymentWaiter(session, progress).WaitAsync(targets, settings.Wait, cancellationToken, startedAt).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AwsApiException or DeployApplyException or DeploymentWaitException or InvalidOperationException)
        {
            throw new DeployFailedException(Summarize(plan, deployment, images, applied, states, clock.Elapsed, e.Message), e);
        }

        var summary = Summarize(plan, deployment, images, applied, states, clock.Elapsed, null);
        progress.Step("Summary");
        foreach (var line in summary.ToLines())
        {
            progress.Info(line);
        }

        return summary;
    }

    /// <summary>A service's URL: <c>http(s)://&lt;load balancer DNS&gt;:&lt;listener port&gt;</c>.</summary>
    /// <param name="service">The service.</param>
    /// <param name="loadBalancerDns">The load balancer's DNS name.</param>
    public static string Url(ServiceDescription service, string loadBalancerDns)
    {
        ArgumentNullException.ThrowIfNull(service);
        var scheme = service.Options.CertificateArn is null ? "http" : "https";
        return string.Create(CultureInfo.InvariantCulture, $"{scheme}://{loadBalancerDns}:{service.ListenerPort}");
    }

    private static DeploySummary Summarize(
        DeploymentPlan plan, DeploymentDescription deployment, IReadOnlyDictionary<string, string> images, ApplyResult? applied,
        IReadOnlyList<ServiceState>? states, TimeSpan elapsed, string? error) =>
        new(
            deployment.App,
            deployment.Environment,
            plan.Region,
            plan.Account,
            error is null ? "succeeded" : "failed",
            error,
            plan.Counts.ToDictionary(c => c.Key.ToString().ToLowerInvariant(), c => c.Value),
            applied?.MutatingCalls ?? 0,
            Math.Round(elapsed.TotalSeconds, 1),
            [.. deployment.Services.Select(s =>
            {
                var state = states?.FirstOrDefault(x => x.Resource == s.Names.Resource);
                return new DeployedService(
                    s.Names.Resource,
                    applied?.LoadBalancerDnsName is { } dns ? Url(s, dns) : null,
                    images.GetValueOrDefault(s.Names.Resource),
                    applied?.TaskDefinitionArns.GetValueOrDefault(s.Names.Resource),
                    state?.RunningCount,
                    state?.DesiredCount,
                    state?.HealthyTargets);
            })]);
}

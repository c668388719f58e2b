using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// Aspire's own pipeline switches, as its builder maps them into configuration (<c>--step</c> to
/// <c>Pipeline:Step</c>, <c>--log-level</c> to <c>Pipeline:LogLevel</c>, <c>--include-exception-details</c> to
/// <c>Pipeline:IncludeExceptionDetails</c>); the Aspire CLI passes the same switches to the AppHost.
/// </summary>
internal static class PipelineSwitches
{
    /// <summary>True for <c>--log-level debug</c> or <c>trace</c>.</summary>
    public static bool IsDebug(IConfiguration configuration) =>
        configuration["Pipeline:LogLevel"]?.ToLowerInvariant() is "debug" or "trace";

    /// <summary>True for <c>--include-exception-details true</c>.</summary>
    public static bool IncludeExceptionDetails(IConfiguration configuration) =>
        configuration.GetValue<bool>("Pipeline:IncludeExceptionDetails");

    /// <summary>True when the run's target step (<c>--step</c>) is <paramref name="step"/> or Aspire's <c>deploy</c> (what <c>aspire deploy</c> passes).</summary>
    public static bool TargetsDeploy(IConfiguration configuration, string step) =>
        configuration["Pipeline:Step"] is { } target
        && (string.Equals(target, step, StringComparison.OrdinalIgnoreCase)
            || string.Equals(target, WellKnownPipelineSteps.Deploy, StringComparison.OrdinalIgnoreCase));
}

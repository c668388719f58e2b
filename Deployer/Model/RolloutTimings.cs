using System.Globalization;
using Aspire.ServiceDefaults;

namespace Aspire.Deployer.Model;

/// <summary>
/// The settings that bound a rollout, derived from what is measured and declared instead of from habit: the
/// health-check grace period from how long the image took to become healthy in the smoke test, scaled to the task's
/// CPU share; the deregistration delay from the app's own drain bound (<c>SHUTDOWN_TIMEOUT_MS</c>, the service
/// contract's <see cref="ServiceContract.GracefulShutdownTimeout"/> when it declares none).
/// </summary>
public static class RolloutTimings
{
    /// <summary>The grace period a service is created with when nothing measured it (an image the registry already held) and none is set.</summary>
    public const int FallbackGracePeriodSeconds = 30;

    /// <summary>The longest grace period derived from a measurement (a slower start is better set explicitly).</summary>
    public const int MaxDerivedGracePeriodSeconds = 300;

    /// <summary>Fargate's limit of a target group's deregistration delay (ELBv2: 0-3600 seconds).</summary>
    public const int MaxDeregistrationDelaySeconds = 3600;

    /// <summary>
    /// How long the app needs on Fargate to answer its health path after the container starts: the smoke test's
    /// measurement on the build machine, scaled by the task's share of a vCPU (256 units get a quarter of one, so a
    /// CPU-bound start takes up to four times as long).
    /// </summary>
    /// <param name="measured">From container start to the health path's first 2xx, locally.</param>
    /// <param name="cpu">The task's CPU units.</param>
    public static TimeSpan ExpectedStartOnFargate(TimeSpan measured, int cpu) =>
        measured * (1024.0 / Math.Clamp(cpu, 128, 1024));

    /// <summary>
    /// The health-check grace period for a measured start: twice the expected start on Fargate (headroom for a cold
    /// image cache and a noisy host) plus one health-check interval, at least two intervals, at most
    /// <see cref="MaxDerivedGracePeriodSeconds"/>. ECS ignores failing load balancer checks that long after a task starts,
    /// so a longer value only delays noticing a broken release.
    /// </summary>
    /// <param name="measured">The smoke test's time to healthy.</param>
    /// <param name="cpu">The task's CPU units.</param>
    public static int GracePeriodSeconds(TimeSpan measured, int cpu)
    {
        var interval = ServiceContract.HealthCheck.IntervalSeconds;
        var seconds = (int)Math.Ceiling(2 * ExpectedStartOnFargate(measured, cpu).TotalSeconds) + interval;
        return Math.Clamp(seconds, 2 * interval, MaxDerivedGracePeriodSeconds);
    }

    /// <summary>
    /// The deregistration delay: the app's drain bound, the time it gives in-flight requests after it stops taking
    /// new ones (<c>SHUTDOWN_TIMEOUT_MS</c> in its environment, in whole seconds rounded up), instead of ELB's 300 s
    /// default or a fixed 30 s: a request still running after that bound is cut by the app itself anyway.
    /// </summary>
    /// <param name="service">The service.</param>
    public static int DeregistrationDelaySeconds(ServiceDescription service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var drain = DrainBound(service) ?? ServiceContract.GracefulShutdownTimeout;
        return Math.Clamp((int)Math.Ceiling(drain.TotalSeconds), 0, MaxDeregistrationDelaySeconds);
    }

    /// <summary>The app's declared drain bound (<c>SHUTDOWN_TIMEOUT_MS</c>), or null when it declares none or not a number of milliseconds.</summary>
    /// <param name="service">The service.</param>
    public static TimeSpan? DrainBound(ServiceDescription service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Environment.TryGetValue(ServiceContract.GracefulShutdownVariable, out var text)
               && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms)
            : null;
    }

    /// <summary>
    /// The deployment with each measured start applied: the service remembers the measurement, and takes the grace
    /// period derived from it unless one is set (in the AppHost or <c>Aws:Services:&lt;resource&gt;:HealthCheckGracePeriodSeconds</c>).
    /// Services without a measurement (their image was already in the registry) keep their grace period as it is.
    /// </summary>
    /// <param name="deployment">The deployment.</param>
    /// <param name="measured">Time to healthy per Aspire resource, from the smoke test of this run.</param>
    public static DeploymentDescription WithMeasuredStartup(DeploymentDescription deployment, IReadOnlyDictionary<string, TimeSpan> measured)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(measured);
        return deployment with
        {
            Services = [.. deployment.Services.Select(s => measured.TryGetValue(s.Names.Resource, out var startup)
                ? s with
                {
                    MeasuredStartup = startup,
                    Options = s.Options with { HealthCheckGracePeriodSeconds = s.Options.HealthCheckGracePeriodSeconds ?? GracePeriodSeconds(startup, s.Size.Cpu) },
                }
                : s)],
        };
    }
}

namespace Aspire.ServiceDefaults;

/// <summary>
/// The contract every service of this solution honours, in one place. .NET services get it through
/// <c>AddServiceDefaults</c>/<c>MapDefaultEndpoints</c>; node-app implements the same values in JavaScript; the
/// AppHost (local health checks) and the Deployer (target group health check, container stop timeout, log settings)
/// read them from here instead of repeating literals.
/// </summary>
public static class ServiceContract
{
    /// <summary>Readiness: 200 while the service can take traffic, 503 once shutdown has begun.</summary>
    public const string HealthPath = "/health";

    /// <summary>Liveness: 200 while the process is up; checks no dependencies.</summary>
    public const string AlivePath = "/alive";

    /// <summary>The environment variable a service reads its listening port from.</summary>
    public const string PortVariable = "PORT";

    /// <summary>
    /// How long a service may take to drain in-flight requests after SIGTERM. Kept well under
    /// <see cref="StopTimeout"/> so the orchestrator never has to SIGKILL a healthy shutdown.
    /// </summary>
    public static readonly TimeSpan GracefulShutdownTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The environment variable that carries <see cref="GracefulShutdownTimeout"/> (milliseconds).</summary>
    public const string GracefulShutdownVariable = "SHUTDOWN_TIMEOUT_MS";

    /// <summary>How long the orchestrator waits after SIGTERM before SIGKILL (ECS's default and maximum is 30-120 s).</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Telemetry the services emit: OTLP, configured only through the standard OTEL_* variables.</summary>
    public static class Telemetry
    {
        /// <summary>
        /// The OTLP protocol services export with (OTEL_EXPORTER_OTLP_PROTOCOL): the OpenTelemetry default, spoken by
        /// the Aspire dashboard and by collectors, and simple to proxy.
        /// </summary>
        public const string OtlpProtocol = "http/protobuf";

        /// <summary>Variables that switch telemetry on; without an endpoint a service exports nothing.</summary>
        public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    }

    /// <summary>
    /// How a load balancer or local orchestrator probes <see cref="HealthPath"/>. Short on purpose: a new target is
    /// healthy <see cref="HealthyThreshold"/> × <see cref="IntervalSeconds"/> = 10 s after its first passing probe
    /// (ELB's defaults, 5 × 30 s, take 150 s), and health checks cost nothing.
    /// </summary>
    public static class HealthCheck
    {
        /// <summary>Seconds between probes (ELB allows 5 to 300).</summary>
        public const int IntervalSeconds = 5;

        /// <summary>Seconds a probe may take (ELB: less than the interval); a health path answers in milliseconds.</summary>
        public const int TimeoutSeconds = 3;

        /// <summary>Consecutive successes before a target counts as healthy.</summary>
        public const int HealthyThreshold = 2;

        /// <summary>Consecutive failures before a target counts as unhealthy.</summary>
        public const int UnhealthyThreshold = 3;

        /// <summary>The HTTP status a healthy answer has.</summary>
        public const string SuccessCodes = "200";
    }
}

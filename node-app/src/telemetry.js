import { createRequire, register } from 'node:module';
import { packageInfo } from './config.js';
import { readTelemetryConfig } from './telemetry-config.js';

// The SDK's packages are CommonJS: required rather than imported, they load without the ES-module loader's
// CommonJS interop and its round trips to the hook thread (about 30 ms of each start, measured).
const require = createRequire(import.meta.url);

let sdk;
let warnings = [];

/** The modules the instrumentations patch (HttpInstrumentation: http and https, however they are named). */
const HOOKED_MODULES = ['http', 'node:http', 'https', 'node:https'];

/** The OTLP exporter package of each signal and protocol: only the ones a configuration uses are loaded. */
const OTLP_EXPORTERS = {
  traces: {
    grpc: '@opentelemetry/exporter-trace-otlp-grpc',
    'http/protobuf': '@opentelemetry/exporter-trace-otlp-proto',
    'http/json': '@opentelemetry/exporter-trace-otlp-http',
  },
  metrics: {
    grpc: '@opentelemetry/exporter-metrics-otlp-grpc',
    'http/protobuf': '@opentelemetry/exporter-metrics-otlp-proto',
    'http/json': '@opentelemetry/exporter-metrics-otlp-http',
  },
  logs: {
    grpc: '@opentelemetry/exporter-logs-otlp-grpc',
    'http/protobuf': '@opentelemetry/exporter-logs-otlp-proto',
    'http/json': '@opentelemetry/exporter-logs-otlp-http',
  },
};

/** True when an OTLP endpoint is configured: the only case in which telemetry starts. */
export const telemetryConfigured = (env = process.env) =>
  Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);

/** True once startTelemetry has started the SDK (and until it is shut down). */
export const telemetryRunning = () => sdk !== undefined;

/** What startTelemetry could not honour in the OTEL_* variables, one sentence each, for the server to log. */
export const telemetryWarnings = () => warnings;

/**
 * Starts OpenTelemetry (traces, metrics and logs over OTLP) when an OTLP endpoint is configured and
 * OTEL_SDK_DISABLED is not true; otherwise does nothing and loads none of its packages.
 *
 * The SDK is composed from its parts as @opentelemetry/sdk-node's NodeSDK composes it, from the same OTEL_*
 * variables (telemetry-config.js): exporters per signal (otlp, console, none), the protocol per signal (grpc,
 * http/protobuf, the default, or http/json), intervals, batching, limits, propagators and resource detectors; the
 * exporters read their endpoints and headers themselves. NodeSDK requires every exporter it could configure; here
 * only the ones in use are loaded, which is about 0.1 s of every start and of every watch-mode restart.
 *
 * Instrumentations: incoming and outgoing node:http, outgoing fetch (undici, so a call to another service
 * carries traceparent and joins the trace) and the Node runtime's metrics.
 */
export function startTelemetry(env = process.env) {
  if (!telemetryConfigured(env)) return;
  const config = readTelemetryConfig(env);
  warnings = config.warnings;
  if (config.disabled) return;

  // As OpenTelemetry prescribes for ES modules: its loader hook lets the instrumentations patch modules the app
  // imports. Registered before the app's modules load, since --import runs this first. Only the modules patched
  // here go through it (fetch is traced through diagnostics channels, no patching): wrapping every module the
  // app and the SDK import cost about 0.3 s of CPU at each start, and watch mode starts often.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: HOOKED_MODULES } });

  const api = require('@opentelemetry/api');
  const core = require('@opentelemetry/core');
  if (config.logLevel) {
    api.diag.setLogger(new api.DiagConsoleLogger(), { logLevel: core.diagLogLevelFromString(config.logLevel) });
  }
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (config.propagators.length > 0) {
    const propagators = config.propagators.map((name) =>
      name === 'baggage' ? new core.W3CBaggagePropagator() : new core.W3CTraceContextPropagator(),
    );
    api.propagation.setGlobalPropagator(new core.CompositePropagator({ propagators }));
  }

  const resource = detectResource(config);
  const providers = {
    meterProvider: createMeterProvider(config, resource),
    tracerProvider: createTracerProvider(config, resource),
    loggerProvider: createLoggerProvider(config, resource),
  };
  if (providers.meterProvider) api.metrics.setGlobalMeterProvider(providers.meterProvider);
  if (providers.tracerProvider) api.trace.setGlobalTracerProvider(providers.tracerProvider);
  if (providers.loggerProvider) {
    require('@opentelemetry/api-logs').logs.setGlobalLoggerProvider(providers.loggerProvider);
  }

  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici');
  const { RuntimeNodeInstrumentation } = require('@opentelemetry/instrumentation-runtime-node');
  const probePaths = new Set(['/health', '/alive']);
  registerInstrumentations({
    ...providers,
    instrumentations: [
      // Health probes arrive every few seconds and would drown the real traces.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => probePaths.has(req.url) }),
      new UndiciInstrumentation(),
      new RuntimeNodeInstrumentation(),
    ],
  });
  const started = Object.values(providers).filter(Boolean);
  sdk = { shutdown: () => Promise.all(started.map((provider) => provider.shutdown())) };
}

/** A signal's OTLP exporter over the signal's protocol; the exporter's package is loaded only now. */
function otlpExporter(config, signal, className) {
  return new (require(OTLP_EXPORTERS[signal][config[signal].protocol])[className])();
}

/** node-app's name and version as fallbacks, with what the detectors find (OTEL_SERVICE_NAME, ...) over them. */
function detectResource(config) {
  const resources = require('@opentelemetry/resources');
  const detectors = {
    env: resources.envDetector,
    host: resources.hostDetector,
    os: resources.osDetector,
    process: resources.processDetector,
    serviceinstance: resources.serviceInstanceIdDetector,
  };
  const fallbacks = { 'service.name': packageInfo.name, 'service.version': packageInfo.version };
  return resources
    .defaultResource()
    .merge(resources.resourceFromAttributes(fallbacks))
    .merge(resources.detectResources({ detectors: config.detectors.map((name) => detectors[name]) }));
}

/** Periodic metric export (OTEL_METRIC_EXPORT_INTERVAL and _TIMEOUT); undefined when metrics are off. */
function createMeterProvider(config, resource) {
  const { exporters, intervalMs: exportIntervalMillis, timeoutMs: exportTimeoutMillis } = config.metrics;
  if (exporters.length === 0) return undefined;
  const sdkMetrics = require('@opentelemetry/sdk-metrics');
  const readers = exporters.map(
    (name) =>
      new sdkMetrics.PeriodicExportingMetricReader({
        exporter:
          name === 'otlp'
            ? otlpExporter(config, 'metrics', 'OTLPMetricExporter')
            : new sdkMetrics.ConsoleMetricExporter(),
        exportIntervalMillis,
        exportTimeoutMillis,
      }),
  );
  return new sdkMetrics.MeterProvider({ resource, readers });
}

/**
 * OTLP spans in batches, console ones at once; undefined when traces are off. The sampler, span limits and
 * OTEL_BSP_* are read from the environment by the SDK itself.
 */
function createTracerProvider(config, resource) {
  if (config.traces.exporters.length === 0) return undefined;
  const traceNode = require('@opentelemetry/sdk-trace-node');
  const spanProcessors = config.traces.exporters.map((name) =>
    name === 'otlp'
      ? new traceNode.BatchSpanProcessor(otlpExporter(config, 'traces', 'OTLPTraceExporter'))
      : new traceNode.SimpleSpanProcessor(new traceNode.ConsoleSpanExporter()),
  );
  return new traceNode.NodeTracerProvider({ resource, spanProcessors });
}

/**
 * OTLP log records in batches (OTEL_BLRP_*), console ones at once, within the OTEL_LOGRECORD_* limits; undefined
 * when logs are off.
 */
function createLoggerProvider(config, resource) {
  if (config.logs.exporters.length === 0) return undefined;
  const sdkLogs = require('@opentelemetry/sdk-logs');
  const processors = config.logs.exporters.map((name) =>
    name === 'otlp'
      ? new sdkLogs.BatchLogRecordProcessor({
          exporter: otlpExporter(config, 'logs', 'OTLPLogExporter'),
          ...config.logs.batch,
        })
      : new sdkLogs.SimpleLogRecordProcessor({ exporter: new sdkLogs.ConsoleLogRecordExporter() }),
  );
  return new sdkLogs.LoggerProvider({ resource, logRecordLimits: config.logs.limits, processors });
}

/** Flushes and stops the SDK within `timeoutMs`; resolves at once when telemetry is off. */
export async function shutdownTelemetry(timeoutMs) {
  const running = sdk;
  sdk = undefined;
  if (!running) return;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`telemetry flush timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([running.shutdown(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

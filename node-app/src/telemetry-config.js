// What the standard OTEL_* variables ask of the SDK node-app composes in telemetry.js, read the way
// @opentelemetry/sdk-node's NodeSDK reads them. Kept apart and free of OpenTelemetry imports so that telemetry.js
// loads only the packages a configuration needs (NodeSDK requires every exporter it could configure, about 0.1 s of
// each start and of each watch-mode restart) and so that the reading is testable without starting anything.
// Exporter endpoints, headers, timeouts, compression and certificates, the sampler, span limits and OTEL_BSP_* are
// read by the OpenTelemetry packages themselves and are not repeated here.

/** The OTLP protocols, in OTEL_EXPORTER_OTLP_PROTOCOL's spelling; http/protobuf is the specification's default. */
export const OTLP_PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'];
const DEFAULT_PROTOCOL = 'http/protobuf';
const EXPORTERS = ['otlp', 'console'];

/** OTEL_NODE_RESOURCE_DETECTORS' names; unset means NodeSDK's default: env, process and host. */
export const RESOURCE_DETECTORS = ['env', 'host', 'os', 'process', 'serviceinstance'];
const DEFAULT_DETECTORS = ['env', 'process', 'host'];

/** OTEL_PROPAGATORS' names node-app can honour (the W3C ones); unset means both. */
export const PROPAGATORS = ['tracecontext', 'baggage'];

const SIGNALS = {
  traces: { exporterVariable: 'OTEL_TRACES_EXPORTER', protocolVariable: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' },
  metrics: { exporterVariable: 'OTEL_METRICS_EXPORTER', protocolVariable: 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL' },
  logs: { exporterVariable: 'OTEL_LOGS_EXPORTER', protocolVariable: 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL' },
};

/** A comma-separated OTEL_* list, trimmed, empty entries and duplicates dropped; undefined when unset or blank. */
function listOf(env, name) {
  const items = [...new Set((env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
  return items.length > 0 ? items : undefined;
}

/**
 * Reads the OTEL_* variables into the plain description telemetry.js builds the SDK from. Never throws: a value
 * node-app cannot honour is left out and described in `warnings` (one sentence each, naming the variable and what
 * is supported), which the server logs once its logger exists.
 *
 * Returns { disabled, logLevel, detectors, propagators, traces, metrics, logs, warnings }, where each signal is
 * { exporters: ('otlp'|'console')[], protocol } (no exporter: the signal is off), metrics adds { intervalMs,
 * timeoutMs } and logs adds { batch, limits } (undefined members mean the SDK's defaults).
 */
export function readTelemetryConfig(env = process.env) {
  const warnings = [];
  const positive = (name) => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    const value = Number(raw);
    if (Number.isFinite(value) && value > 0) return value;
    warnings.push(`${name}=${raw} is not a number greater than 0; using the default.`);
    return undefined;
  };

  const signal = (key) => {
    const { exporterVariable, protocolVariable } = SIGNALS[key];
    let exporters = (listOf(env, exporterVariable) ?? ['otlp']).filter((e) => e !== 'null');
    if (exporters.includes('none')) exporters = [];
    for (const name of exporters.filter((e) => !EXPORTERS.includes(e))) {
      warnings.push(`${exporterVariable}=${name} is not supported by node-app (use otlp, console or none); ignored.`);
    }
    exporters = exporters.filter((e) => EXPORTERS.includes(e));
    const variable = env[protocolVariable]?.trim() ? protocolVariable : 'OTEL_EXPORTER_OTLP_PROTOCOL';
    let protocol = env[variable]?.trim() || DEFAULT_PROTOCOL;
    if (!OTLP_PROTOCOLS.includes(protocol)) {
      if (exporters.includes('otlp')) {
        warnings.push(`${variable}=${protocol} is not an OTLP protocol (${OTLP_PROTOCOLS.join(', ')}); using ${DEFAULT_PROTOCOL}.`);
      }
      protocol = DEFAULT_PROTOCOL;
    }
    return { exporters, protocol };
  };

  // As NodeSDK: a metric export may not outlast the interval between exports.
  const intervalMs = positive('OTEL_METRIC_EXPORT_INTERVAL') ?? 60000;
  const timeoutMs = Math.min(positive('OTEL_METRIC_EXPORT_TIMEOUT') ?? 30000, intervalMs);

  return {
    disabled: env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true',
    logLevel: env.OTEL_LOG_LEVEL?.trim() || undefined,
    detectors: namesFrom(env, 'OTEL_NODE_RESOURCE_DETECTORS', RESOURCE_DETECTORS, DEFAULT_DETECTORS, warnings),
    propagators: namesFrom(env, 'OTEL_PROPAGATORS', PROPAGATORS, PROPAGATORS, warnings),
    traces: signal('traces'),
    metrics: { ...signal('metrics'), intervalMs, timeoutMs },
    logs: {
      ...signal('logs'),
      batch: {
        maxQueueSize: positive('OTEL_BLRP_MAX_QUEUE_SIZE'),
        scheduledDelayMillis: positive('OTEL_BLRP_SCHEDULE_DELAY'),
        exportTimeoutMillis: positive('OTEL_BLRP_EXPORT_TIMEOUT'),
        maxExportBatchSize: positive('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE'),
      },
      limits: {
        attributeCountLimit: positive('OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT') ?? positive('OTEL_ATTRIBUTE_COUNT_LIMIT'),
        attributeValueLengthLimit:
          positive('OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? positive('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
      },
    },
    // One sentence per variable, however many signals it touched.
    warnings: [...new Set(warnings)],
  };
}

/** A list variable of known names with `all` and `none`; unknown names are warned about and left out. */
function namesFrom(env, variable, known, defaults, warnings) {
  const names = listOf(env, variable);
  if (!names) return [...defaults];
  if (names.includes('none')) return [];
  if (names.includes('all')) return [...known];
  for (const name of names.filter((n) => !known.includes(n))) {
    warnings.push(`${variable}=${name} is not supported by node-app (use ${known.join(', ')}, all or none); ignored.`);
  }
  return names.filter((n) => known.includes(n));
}

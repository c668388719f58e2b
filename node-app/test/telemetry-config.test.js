import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { readTelemetryConfig } from '../src/telemetry-config.js';

// readTelemetryConfig replaces NodeSDK's reading of the OTEL_* variables: each case here is what NodeSDK
// (@opentelemetry/sdk-node 0.223, src/sdk.ts and src/utils.ts) does with the same environment.

test('with nothing set, every signal goes over OTLP http/protobuf with the SDK defaults', () => {
  const config = readTelemetryConfig({});
  for (const signal of ['traces', 'metrics', 'logs']) {
    assert.deepEqual(config[signal].exporters, ['otlp'], signal);
    assert.equal(config[signal].protocol, 'http/protobuf', signal);
  }
  assert.equal(config.metrics.intervalMs, 60000);
  assert.equal(config.metrics.timeoutMs, 30000);
  assert.deepEqual(config.detectors, ['env', 'process', 'host']);
  assert.deepEqual(config.propagators, ['tracecontext', 'baggage']);
  assert.deepEqual(config.logs.batch, {
    maxQueueSize: undefined, scheduledDelayMillis: undefined, exportTimeoutMillis: undefined, maxExportBatchSize: undefined,
  });
  assert.equal(config.disabled, false);
  assert.equal(config.logLevel, undefined);
  assert.deepEqual(config.warnings, []);
});

test("a signal's own protocol variable wins over OTEL_EXPORTER_OTLP_PROTOCOL", () => {
  const config = readTelemetryConfig({
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: ' http/json ',
    OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: '',
  });
  assert.equal(config.traces.protocol, 'grpc');
  assert.equal(config.metrics.protocol, 'http/json');
  assert.equal(config.logs.protocol, 'grpc', 'an empty signal variable falls back to the general one');
});

test('exporters: none turns a signal off, console and otlp may be listed together, duplicates count once', () => {
  const config = readTelemetryConfig({
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'otlp, otlp',
    OTEL_LOGS_EXPORTER: 'console,otlp',
  });
  assert.deepEqual(config.traces.exporters, []);
  assert.deepEqual(config.metrics.exporters, ['otlp']);
  assert.deepEqual(config.logs.exporters, ['console', 'otlp']);
  assert.deepEqual(config.warnings, []);
});

test('a value node-app cannot honour is left out with a warning that names the variable and the choices', () => {
  const config = readTelemetryConfig({
    OTEL_TRACES_EXPORTER: 'zipkin',
    OTEL_METRICS_EXPORTER: 'prometheus,otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http',
    OTEL_METRIC_EXPORT_INTERVAL: 'soon',
    OTEL_PROPAGATORS: 'b3',
    OTEL_NODE_RESOURCE_DETECTORS: 'env,gcp',
  });
  assert.deepEqual(config.traces.exporters, []);
  assert.deepEqual(config.metrics.exporters, ['otlp']);
  assert.equal(config.metrics.protocol, 'http/protobuf');
  assert.equal(config.metrics.intervalMs, 60000);
  assert.deepEqual(config.propagators, []);
  assert.deepEqual(config.detectors, ['env']);
  const expected = [
    /^OTEL_TRACES_EXPORTER=zipkin is not supported .*otlp, console or none/,
    /^OTEL_METRICS_EXPORTER=prometheus is not supported/,
    /^OTEL_EXPORTER_OTLP_PROTOCOL=http is not an OTLP protocol \(grpc, http\/protobuf, http\/json\); using http\/protobuf/,
    /^OTEL_METRIC_EXPORT_INTERVAL=soon is not a number greater than 0/,
    /^OTEL_PROPAGATORS=b3 is not supported .*tracecontext, baggage/,
    /^OTEL_NODE_RESOURCE_DETECTORS=gcp is not supported/,
  ];
  for (const pattern of expected) {
    assert.equal(config.warnings.filter((w) => pattern.test(w)).length, 1, `${pattern} in ${config.warnings}`);
  }
  // The bad protocol is said once: for the signal that exports over OTLP, not for every signal.
  assert.equal(config.warnings.length, expected.length, config.warnings.join('\n'));
});

test('a metric export may not outlast the interval between exports', () => {
  assert.equal(readTelemetryConfig({ OTEL_METRIC_EXPORT_INTERVAL: '1000' }).metrics.timeoutMs, 1000);
  const both = readTelemetryConfig({ OTEL_METRIC_EXPORT_INTERVAL: '5000', OTEL_METRIC_EXPORT_TIMEOUT: '2000' });
  assert.deepEqual([both.metrics.intervalMs, both.metrics.timeoutMs], [5000, 2000]);
  const negative = readTelemetryConfig({ OTEL_METRIC_EXPORT_TIMEOUT: '-1' });
  assert.equal(negative.metrics.timeoutMs, 30000);
  assert.equal(negative.warnings.length, 1);
});

test('log batching and limits: the logs variable wins over the general attribute limit', () => {
  const config = readTelemetryConfig({
    OTEL_BLRP_SCHEDULE_DELAY: '1000',
    OTEL_BLRP_MAX_QUEUE_SIZE: '100',
    OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '10',
    OTEL_BLRP_EXPORT_TIMEOUT: '500',
    OTEL_ATTRIBUTE_COUNT_LIMIT: '64',
    OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '16',
    OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '256',
  });
  assert.deepEqual(config.logs.batch, {
    maxQueueSize: 100, scheduledDelayMillis: 1000, exportTimeoutMillis: 500, maxExportBatchSize: 10,
  });
  assert.deepEqual(config.logs.limits, { attributeCountLimit: 16, attributeValueLengthLimit: 256 });
});

test('resource detectors and propagators: all, none and a chosen few', () => {
  assert.deepEqual(readTelemetryConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'all' }).detectors, [
    'env', 'host', 'os', 'process', 'serviceinstance',
  ]);
  assert.deepEqual(readTelemetryConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'none' }).detectors, []);
  assert.deepEqual(readTelemetryConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'os, env' }).detectors, ['os', 'env']);
  assert.deepEqual(readTelemetryConfig({ OTEL_PROPAGATORS: 'none' }).propagators, []);
  assert.deepEqual(readTelemetryConfig({ OTEL_PROPAGATORS: 'tracecontext' }).propagators, ['tracecontext']);
});

test('OTEL_SDK_DISABLED and OTEL_LOG_LEVEL are read as the SDK reads them', () => {
  assert.equal(readTelemetryConfig({ OTEL_SDK_DISABLED: 'TRUE' }).disabled, true);
  assert.equal(readTelemetryConfig({ OTEL_SDK_DISABLED: 'false' }).disabled, false);
  assert.equal(readTelemetryConfig({ OTEL_LOG_LEVEL: 'debug' }).logLevel, 'debug');
});

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
/** Which OTLP exporter packages a process started with node-app's preload and `env` has loaded. */
async function loadedExporters(env) {
  const script =
    "const names = Object.keys(require.cache).map((f) => f.match(/@opentelemetry\\/(exporter-[a-z-]+)\\//)?.[1]);" +
    'console.log(JSON.stringify([...new Set(names.filter(Boolean))].sort()))';
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', './src/instrumentation.js', '-e', script], {
    cwd: APP_DIR,
    env: { PATH: process.env.PATH, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', ...env },
  });
  return JSON.parse(stdout);
}

test('only the exporter packages of the configured protocols are loaded', async () => {
  const byDefault = await loadedExporters({});
  for (const name of ['exporter-logs-otlp-proto', 'exporter-metrics-otlp-proto', 'exporter-trace-otlp-proto']) {
    assert.ok(byDefault.includes(name), `${name} in ${byDefault}`);
  }
  // The protobuf metrics exporter is built on the JSON one; nothing else may come along (gRPC above all).
  assert.deepEqual(byDefault.filter((name) => !name.endsWith('-proto')), ['exporter-metrics-otlp-http']);
  assert.deepEqual(
    await loadedExporters({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'console' }),
    ['exporter-trace-otlp-grpc'],
  );
});

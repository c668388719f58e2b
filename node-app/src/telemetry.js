import { register } from 'node:module';
import { packageInfo } from './config.js';

let sdk;

/** The modules the instrumentations patch (HttpInstrumentation: http and https, however they are named). */
const HOOKED_MODULES = ['http', 'node:http', 'https', 'node:https'];

/** True when an OTLP endpoint is configured: the only case in which telemetry starts. */
export const telemetryConfigured = (env = process.env) =>
  Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);

/** True once startTelemetry has started the SDK (and until it is shut down). */
export const telemetryRunning = () => sdk !== undefined;

/**
 * Starts the OpenTelemetry Node SDK (traces, metrics and logs over OTLP) when an
 * OTLP endpoint is configured; otherwise does nothing and loads none of its packages.
 *
 * Exporters, protocol (OTEL_EXPORTER_OTLP_PROTOCOL: grpc as Aspire injects, or the
 * default http/protobuf), headers, intervals and resource attributes all come from
 * the standard OTEL_* variables, so nothing here names a URL or a header.
 *
 * Instrumentations: incoming and outgoing node:http, outgoing fetch (undici, so a call to another service
 * carries traceparent and joins the trace) and the Node runtime's metrics.
 */
export async function startTelemetry(env = process.env) {
  if (!telemetryConfigured(env)) return;

  // As OpenTelemetry prescribes for ES modules: its loader hook lets the instrumentations patch modules the app
  // imports. Registered before the app's modules load, since --import runs this first. Only the modules patched
  // here go through it (fetch is traced through diagnostics channels, no patching): wrapping every module the
  // app and the SDK import cost about 0.3 s of CPU at each start, and watch mode starts often.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: HOOKED_MODULES } });

  const [{ NodeSDK, resources }, { HttpInstrumentation }, { UndiciInstrumentation }, { RuntimeNodeInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-undici'),
      import('@opentelemetry/instrumentation-runtime-node'),
    ]);

  const probePaths = new Set(['/health', '/alive']);
  sdk = new NodeSDK({
    // Fallbacks only: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are merged over them.
    resource: resources.defaultResource().merge(
      resources.resourceFromAttributes({
        'service.name': packageInfo.name,
        'service.version': packageInfo.version,
      }),
    ),
    instrumentations: [
      // Health probes arrive every few seconds and would drown the real traces.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => probePaths.has(req.url) }),
      new UndiciInstrumentation(),
      new RuntimeNodeInstrumentation(),
    ],
  });
  sdk.start();
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

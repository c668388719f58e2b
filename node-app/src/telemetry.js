import { createRequire } from 'node:module';
import { packageInfo } from './config.js';

let sdk;

/**
 * Starts the OpenTelemetry Node SDK (traces, metrics and logs over OTLP) when an
 * OTLP endpoint is configured; otherwise does nothing and loads none of its packages.
 *
 * Exporters, protocol (OTEL_EXPORTER_OTLP_PROTOCOL: grpc as Aspire injects, or the
 * default http/protobuf), headers, intervals and resource attributes all come from
 * the standard OTEL_* variables, so nothing here names a URL or a header.
 */
export async function startTelemetry(env = process.env) {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return;

  const [{ NodeSDK, resources }, { HttpInstrumentation }, { RuntimeNodeInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-http'),
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
      new RuntimeNodeInstrumentation(),
    ],
  });
  sdk.start();
  // The instrumentation patches node:http when it is require()d; the app imports it as
  // an ES module, which bypasses that hook, so require it once here to apply the patch.
  createRequire(import.meta.url)('node:http');
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

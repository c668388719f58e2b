import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import net from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { AppProcess } from './helpers.js';

const SERVICE_NAME = 'node-app-telemetry-test';

// A stand-in OTLP/HTTP collector that records every export it receives.
let collector;
let received = [];
before(async () => {
  collector = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, path: req.url, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
    });
  }).listen(0, '127.0.0.1');
  await once(collector, 'listening');
});
after(() => collector.close());

let app;
afterEach(async () => {
  await app?.stop();
  received = [];
});

const collectorUrl = () => `http://127.0.0.1:${collector.address().port}`;

/** One traced request, then SIGTERM, whose shutdown flushes all telemetry; returns the request's log line. */
async function requestThenStop() {
  const res = await fetch(app.url('/api/info'));
  assert.equal(res.status, 200);
  const line = await app.waitForLog((l) => l.msg === 'request' && l.path === '/api/info');
  app.child.kill('SIGTERM');
  assert.deepEqual(await app.exited, { code: 0, signal: null });
  return line;
}

const exportsTo = (path) => received.filter((e) => e.method === 'POST' && e.path === path);

test('with an OTLP endpoint, traces, logs and metrics are exported, correlated by trace id', async () => {
  app = await AppProcess.start({
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl(),
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_SERVICE_NAME: SERVICE_NAME,
  });
  for (const path of ['/health', '/alive']) await (await fetch(app.url(path))).arrayBuffer();
  const line = await requestThenStop();

  assert.match(line.traceId, /^[0-9a-f]{32}$/);
  assert.match(line.spanId, /^[0-9a-f]{16}$/);
  // OTLP protobuf carries ids as raw bytes and strings as UTF-8.
  const traceIdBytes = Buffer.from(line.traceId, 'hex');
  const traces = Buffer.concat(exportsTo('/v1/traces').map((e) => e.body));
  assert.ok(traces.includes(SERVICE_NAME), 'a POST /v1/traces names the service');
  assert.ok(traces.includes(traceIdBytes), 'the logged trace id is the exported span\'s');
  assert.ok(traces.includes('/api/info'));
  assert.ok(traces.includes('GET /api/info'), 'the server span is named after its route');
  assert.ok(!traces.includes('/health') && !traces.includes('/alive'), 'health probes are not traced');
  assert.ok(
    exportsTo('/v1/logs').some((e) => e.body.includes(traceIdBytes) && e.body.includes('request')),
    'the request log record, with its trace id, reaches POST /v1/logs',
  );
  const metrics = exportsTo('/v1/metrics');
  assert.ok(metrics.some((e) => e.body.includes(SERVICE_NAME)), 'a POST /v1/metrics names the service');
});

test('with OTEL_EXPORTER_OTLP_PROTOCOL=grpc, exports go out over HTTP/2', async () => {
  // Enough of a gRPC server to see the HTTP/2 connection preface, then hang up.
  const prefaces = [];
  const grpc = net.createServer((socket) => {
    socket.once('data', (data) => {
      prefaces.push(data.subarray(0, 14).toString('latin1'));
      socket.destroy();
    });
  }).listen(0, '127.0.0.1');
  await once(grpc, 'listening');
  try {
    app = await AppProcess.start({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${grpc.address().port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      SHUTDOWN_TIMEOUT_MS: '2000',
    });
    const line = await requestThenStop();
    assert.match(line.traceId, /^[0-9a-f]{32}$/);
    assert.ok(prefaces.includes('PRI * HTTP/2.0'), `got ${JSON.stringify(prefaces)}`);
    assert.ok(app.logs.some((l) => l.msg === 'telemetry flush failed'), 'the refused export is reported');
  } finally {
    grpc.close();
  }
});

test('without an OTLP endpoint nothing is exported and logs carry no trace ids', async () => {
  // Signal-specific metrics and logs endpoints alone do not turn telemetry on.
  app = await AppProcess.start({
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${collectorUrl()}/v1/metrics`,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${collectorUrl()}/v1/logs`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_SERVICE_NAME: SERVICE_NAME,
  });
  const line = await requestThenStop();
  assert.equal(line.traceId, undefined);
  assert.equal(line.spanId, undefined);
  assert.deepEqual(received, []);
});

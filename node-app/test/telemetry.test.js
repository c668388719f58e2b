import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
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

/** A W3C traceparent with a fresh trace id, as an upstream caller would send it. */
function newTraceparent() {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, header: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

/** One request, then SIGTERM, whose shutdown flushes all telemetry. */
async function requestThenStop(path = '/api/info', headers = {}) {
  const res = await fetch(app.url(path), { headers });
  assert.equal(res.status, 200, `${path} answered ${res.status}`);
  await res.arrayBuffer();
  app.child.kill('SIGTERM');
  assert.deepEqual(await app.exited, { code: 0, signal: null });
}

const exportsTo = (path) => received.filter((e) => e.method === 'POST' && e.path === path);
/** The OTLP/JSON exports to `path`, parsed. */
const jsonExportsTo = (path) => exportsTo(path).map((e) => JSON.parse(e.body.toString('utf8')));
const attribute = (item, key) => {
  const value = item.attributes?.find((a) => a.key === key)?.value;
  return value && Object.values(value)[0];
};
const spansOf = (exports) =>
  exports.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
const OTLP_SPAN_KIND = { SERVER: 2, CLIENT: 3 };

test('with an OTLP endpoint, traces, logs and metrics are exported, correlated by trace id', async () => {
  app = await AppProcess.start({
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl(),
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_SERVICE_NAME: SERVICE_NAME,
  });
  for (const path of ['/health', '/alive']) await (await fetch(app.url(path))).arrayBuffer();
  const { traceId, header } = newTraceparent();
  await requestThenStop('/api/info', { traceparent: header });

  // OTLP protobuf carries ids as raw bytes and strings as UTF-8.
  const traceIdBytes = Buffer.from(traceId, 'hex');
  const traces = Buffer.concat(exportsTo('/v1/traces').map((e) => e.body));
  assert.ok(traces.includes(SERVICE_NAME), 'a POST /v1/traces names the service');
  assert.ok(traces.includes(traceIdBytes), "the request's span joined the caller's trace");
  assert.ok(traces.includes('GET /api/info'), 'the server span is named after its route');
  assert.ok(!traces.includes('/health') && !traces.includes('/alive'), 'health probes are not traced');
  const line = app.logs.find((l) => l.msg === 'request' && l.path === '/api/info');
  assert.equal(line?.traceId, traceId, "the request's JSON line carries its trace id");
  const logs = Buffer.concat(exportsTo('/v1/logs').map((e) => e.body));
  assert.ok(logs.includes('listening'), 'log records reach POST /v1/logs');
  assert.ok(!logs.includes(traceIdBytes), 'the request is logged once (its JSON line), not also as an OTLP record');
  const metrics = exportsTo('/v1/metrics');
  assert.ok(metrics.some((e) => e.body.includes(SERVICE_NAME)), 'a POST /v1/metrics names the service');
});

test('an outgoing fetch is a client span of the same trace, carries traceparent, and metrics carry the route', async () => {
  const seen = [];
  const upstream = createServer((req, res) => {
    seen.push(req.headers.traceparent);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  }).listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  try {
    app = await AppProcess.start({
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl(),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: SERVICE_NAME,
      UPSTREAM_URL: `http://127.0.0.1:${upstream.address().port}/api/info`,
    });
    const { traceId, header } = newTraceparent();
    await requestThenStop('/api/upstream', { traceparent: header });

    const spans = spansOf(jsonExportsTo('/v1/traces')).filter((s) => s.traceId === traceId);
    const server = spans.find((s) => s.kind === OTLP_SPAN_KIND.SERVER);
    const client = spans.find((s) => s.kind === OTLP_SPAN_KIND.CLIENT);
    assert.equal(server?.name, 'GET /api/upstream', JSON.stringify(spans.map((s) => [s.name, s.kind])));
    assert.ok(client, 'the fetch produced a client span in the same trace');
    assert.equal(client.parentSpanId, server.spanId, 'the client span is a child of the server span');
    assert.equal(attribute(server, 'http.route'), '/api/upstream');
    assert.equal(seen.length, 1);
    const [, upstreamTraceId, upstreamParent] = seen[0].split('-');
    assert.equal(upstreamTraceId, traceId, 'the upstream service received the same trace id');
    assert.equal(upstreamParent, client.spanId, 'and the client span as its parent');

    const points = jsonExportsTo('/v1/metrics')
      .flatMap((e) => e.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)))
      .filter((m) => m.name === 'http.server.request.duration')
      .flatMap((m) => m.histogram.dataPoints);
    assert.ok(
      points.some((p) => attribute(p, 'http.route') === '/api/upstream'),
      `the request duration metric carries the route: ${JSON.stringify(points.map((p) => p.attributes))}`,
    );
  } finally {
    upstream.close();
  }
});

test('a fatal error is logged and flushed over OTLP before the process exits 1', async () => {
  // Batches would otherwise wait a minute: only the crash's own flush can deliver the record in time.
  app = await AppProcess.start(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl(),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BLRP_SCHEDULE_DELAY: '60000',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    },
    // The crash comes from outside the app, on a signal the test sends once the app is up.
    { nodeArgs: ['--import', "data:text/javascript,process.on('SIGUSR2', () => { throw new Error('kaboom') })"] },
  );
  app.child.kill('SIGUSR2');
  assert.deepEqual(await app.exited, { code: 1, signal: null });
  assert.match(app.stderr, /Uncaught exception: Error: kaboom/);
  const records = jsonExportsTo('/v1/logs').flatMap((e) =>
    e.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)),
  );
  const crash = records.find((r) => r.body?.stringValue === 'uncaught exception');
  assert.ok(crash, `the crash's log record was exported: ${JSON.stringify(records.map((r) => r.body))}`);
  assert.equal(attribute(crash, 'exception.message'), 'kaboom');
});

test('OTEL_TRACES_EXPORTER=none turns traces off and only traces; a value node-app cannot honour is logged', async () => {
  app = await AppProcess.start({
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl(),
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: SERVICE_NAME,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_PROPAGATORS: 'tracecontext,b3',
  });
  await requestThenStop('/api/info');
  assert.deepEqual(exportsTo('/v1/traces'), [], 'no span is exported');
  assert.ok(jsonExportsTo('/v1/logs').length > 0, 'logs still are');
  assert.ok(jsonExportsTo('/v1/metrics').length > 0, 'metrics still are');
  const warnings = app.logs.filter((l) => l.level === 'warn' && l.msg === 'telemetry setting ignored');
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(warnings[0].reason, /^OTEL_PROPAGATORS=b3 is not supported/);
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
    await requestThenStop();
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
  await requestThenStop();
  const line = app.logs.find((l) => l.msg === 'request' && l.path === '/api/info');
  assert.ok(line, 'without telemetry the request is a JSON line');
  assert.equal(line.traceId, undefined);
  assert.equal(line.spanId, undefined);
  assert.deepEqual(received, []);
});

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { AppProcess, rawRequest, statusOf } from './helpers.js';

const APP_NAME = 'Demo <b>&</b> "app"';
const MAX_BODY_BYTES = 1024;
const MAX_HEADER_BYTES = 4096;

describe('node-app with its defaults', () => {
  let app;
  before(async () => {
    app = await AppProcess.start();
  });
  after(() => app.stop());

  test('has no /api/slow: the test hook needs ENABLE_SLOW_ENDPOINT=true', async () => {
    const res = await fetch(app.url('/api/slow?ms=1'));
    assert.equal(res.status, 404);
  });

  test('the home page is rendered once per second: its uptime still ticks', async () => {
    const uptime = async () => (await (await fetch(app.url('/'))).text()).match(/<dt>Uptime<\/dt><dd>([^<]+)<\/dd>/)[1];
    const first = await uptime();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.notEqual(await uptime(), first);
  });

  test('HOST=127.0.0.1 listens on loopback only', async () => {
    const local = await AppProcess.start({ HOST: '127.0.0.1' });
    try {
      const listening = await local.waitForLog((l) => l.msg === 'listening');
      assert.equal(listening.address, '127.0.0.1');
    } finally {
      await local.stop();
    }
  });
});

describe('node-app over HTTP', () => {
  let app;
  before(async () => {
    app = await AppProcess.start({
      APP_NAME,
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      MAX_HEADER_BYTES: String(MAX_HEADER_BYTES),
      ENABLE_SLOW_ENDPOINT: 'true',
    });
  });
  after(() => app.stop());

  test('listens on all interfaces by default', async () => {
    const listening = await app.waitForLog((l) => l.msg === 'listening');
    assert.ok(['::', '0.0.0.0'].includes(listening.address), listening.address);
    assert.equal(listening.port, app.port);
  });

  test('GET / returns an HTML page with name, version, instance and uptime, all escaped', async () => {
    const res = await fetch(app.url('/'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    const html = await res.text();
    assert.match(html, /<h1>Demo &lt;b&gt;&amp;&lt;\/b&gt; &quot;app&quot;<\/h1>/);
    assert.ok(!html.includes('<b>'), 'APP_NAME must not be interpreted as markup');
    assert.match(html, /<dt>Version<\/dt><dd>1\.0\.0<\/dd>/);
    assert.ok(html.includes(`<dd>${hostname()}</dd>`));
    assert.match(html, /<dt>Uptime<\/dt><dd>\d+s<\/dd>/);
    assert.match(res.headers.get('content-security-policy'), /style-src 'sha256-/);
  });

  test('every response carries the security headers and no X-Powered-By', async () => {
    for (const path of ['/', '/api/info', '/missing']) {
      const res = await fetch(app.url(path));
      await res.arrayBuffer();
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(res.headers.get('cache-control'), 'no-store', path);
      assert.match(res.headers.get('content-security-policy'), /default-src 'none'/, path);
      assert.equal(res.headers.get('x-powered-by'), null, path);
    }
  });

  test('GET /api/info returns the instance description as JSON', async () => {
    const res = await fetch(app.url('/api/info'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const info = await res.json();
    assert.deepEqual(Object.keys(info).sort(), [
      'instance', 'name', 'node', 'startedAt', 'uptimeSeconds', 'version',
    ]);
    assert.equal(info.name, APP_NAME);
    assert.equal(info.version, '1.0.0');
    assert.equal(info.instance, hostname());
    assert.equal(info.node, process.version);
    assert.ok(Number.isInteger(info.uptimeSeconds) && info.uptimeSeconds >= 0);
    const startedAt = Date.parse(info.startedAt);
    assert.ok(startedAt <= Date.now() && startedAt > Date.now() - 60_000, info.startedAt);
  });

  test('GET /health is ready and GET /alive is alive', async () => {
    const health = await fetch(app.url('/health'));
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'healthy' });
    const alive = await fetch(app.url('/alive'));
    assert.equal(alive.status, 200);
    assert.deepEqual(await alive.json(), { status: 'alive' });
  });

  test('HEAD answers like GET without a body', async () => {
    for (const path of ['/', '/api/info', '/health', '/alive']) {
      const get = await fetch(app.url(path));
      const getBody = await get.text();
      const head = await fetch(app.url(path), { method: 'HEAD' });
      assert.equal(head.status, 200, path);
      assert.equal(head.headers.get('content-type'), get.headers.get('content-type'), path);
      assert.equal(await head.text(), '', path);
      // /api/info's uptime may tick between the two requests and change its length.
      if (path !== '/api/info') {
        assert.equal(Number(head.headers.get('content-length')), Buffer.byteLength(getBody), path);
      }
    }
  });

  test('unknown paths get 404: JSON under /api/, text elsewhere', async () => {
    const api = await fetch(app.url('/api/nope'));
    assert.equal(api.status, 404);
    assert.deepEqual(await api.json(), { error: 'Not Found' });
    const page = await fetch(app.url('/nope'));
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type'), /^text\/plain/);
    assert.equal(await page.text(), 'Not Found\n');
    // A path that looks like a URL authority is still just a path.
    assert.equal((await fetch(app.url('//evil.example/health'))).status, 404);
  });

  test('a wrong method on a known path gets 405 with Allow', async () => {
    const res = await fetch(app.url('/health'), { method: 'POST', body: 'x' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
    const echo = await fetch(app.url('/api/echo'));
    assert.equal(echo.status, 405);
    assert.equal(echo.headers.get('allow'), 'POST');
    assert.deepEqual(await echo.json(), { error: 'Method Not Allowed' });
  });

  test('POST /api/echo returns the number of bytes received', async () => {
    const res = await fetch(app.url('/api/echo'), { method: 'POST', body: 'x'.repeat(MAX_BODY_BYTES) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { bytes: MAX_BODY_BYTES });
  });

  test('a declared Content-Length over MAX_BODY_BYTES gets 413 before any body is sent', async () => {
    const response = await rawRequest(
      app.port,
      `POST /api/echo HTTP/1.1\r\nHost: test\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`,
    );
    assert.equal(statusOf(response), 413);
    assert.match(response, /\r\nConnection: close\r\n/i);
  });

  test('a chunked body growing past MAX_BODY_BYTES gets 413', async () => {
    const post = (size) =>
      new Promise((resolve, reject) => {
        const req = request(app.url('/api/echo'), { method: 'POST' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (body += c)).on('end', () => resolve({ status: res.statusCode, body }));
        });
        req.on('error', reject);
        // Two writes without Content-Length: node sends them chunked, so only counting can catch it.
        req.write('x'.repeat(size / 2));
        req.end('x'.repeat(size / 2));
      });
    assert.deepEqual(await post(MAX_BODY_BYTES), { status: 200, body: `{"bytes":${MAX_BODY_BYTES}}` });
    const tooLarge = await post(MAX_BODY_BYTES + 2);
    assert.equal(tooLarge.status, 413);
    assert.deepEqual(JSON.parse(tooLarge.body), { error: `request body exceeds ${MAX_BODY_BYTES} bytes` });
  });

  test('headers over MAX_HEADER_BYTES get 431', async () => {
    const response = await rawRequest(
      app.port,
      `GET /api/info HTTP/1.1\r\nHost: test\r\nX-Big: ${'a'.repeat(MAX_HEADER_BYTES)}\r\n\r\n`,
    );
    assert.equal(statusOf(response), 431);
  });

  test('a malformed request line gets 400 and the server keeps serving', async () => {
    const response = await rawRequest(app.port, 'this is not http\r\n\r\n');
    assert.match(response, /^HTTP\/1\.1 400 Bad Request\r\n/);
    await app.waitForLog((l) => l.msg === 'bad request from client' && l.status === 400);
    assert.equal((await fetch(app.url('/alive'))).status, 200);
  });

  test('GET /api/slow answers after ms, and rejects a missing or too large ms', async () => {
    const started = performance.now();
    const res = await fetch(app.url('/api/slow?ms=50'));
    assert.deepEqual(await res.json(), { sleptMs: 50 });
    assert.ok(performance.now() - started >= 49);
    for (const query of ['', '?ms=abc', '?ms=30001', '?ms=-1']) {
      assert.equal((await fetch(app.url(`/api/slow${query}`))).status, 400, query);
    }
  });

  test('GET /api/upstream does not exist without UPSTREAM_URL', async () => {
    assert.equal((await fetch(app.url('/api/upstream'))).status, 404);
  });

  test('each request is logged as one JSON line, without its query string', async () => {
    const since = app.logs.length;
    const res = await fetch(app.url('/api/info?token=secret'));
    await res.arrayBuffer();
    const line = await app.waitForLog((l) => l.msg === 'request' && l.path === '/api/info', { since });
    assert.equal(line.status, 200);
    assert.equal(line.level, 'info');
    assert.equal(line.method, 'GET');
    assert.equal(typeof line.durationMs, 'number');
    assert.ok(line.durationMs >= 0);
    assert.ok(!Number.isNaN(Date.parse(line.time)));
    assert.ok(!JSON.stringify(line).includes('secret'));
    assert.equal(app.logs.slice(since).filter((l) => l.msg === 'request' && l.path === '/api/info').length, 1);
    assert.equal(line.traceId, undefined, 'no trace ids without telemetry');
  });
});

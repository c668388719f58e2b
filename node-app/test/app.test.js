// In-process tests of what the child-process tests cannot reach deterministically.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createApp, escapeHtml, formatDuration } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createRouter } from '../src/http.js';

/** A logger that keeps its records. */
function memoryLog() {
  const records = [];
  const at = (level) => (msg, fields = {}) => records.push({ level, msg, ...fields });
  const request = (method, path, status, startedAt, aborted) =>
    records.push({ level: 'info', msg: 'request', method, path, status, startedAt, ...(aborted && { aborted }) });
  const isLevelEnabled = () => true;
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), request, isLevelEnabled };
}

async function listen(handler) {
  const server = createServer(handler).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: (path) => `http://127.0.0.1:${server.address().port}${path}` };
}

describe('draining', () => {
  let app;
  let http;
  before(async () => {
    app = createApp({ config: loadConfig({ ENABLE_SLOW_ENDPOINT: 'true' }), log: memoryLog() });
    http = await listen(app.handle);
  });
  after(() => http.server.close());

  test('fails readiness and closes the connection of every response still to come', async () => {
    const slow = fetch(http.url('/api/slow?ms=100'));
    const ready = await fetch(http.url('/health'));
    assert.equal(ready.status, 200);
    assert.equal(ready.headers.get('connection'), 'keep-alive');

    app.drain();
    assert.equal(app.draining, true);

    const health = await fetch(http.url('/health'));
    assert.equal(health.status, 503);
    assert.deepEqual(await health.json(), { status: 'shutting down' });
    assert.equal(health.headers.get('connection'), 'close');
    const inFlight = await slow;
    assert.equal(inFlight.status, 200);
    assert.equal(inFlight.headers.get('connection'), 'close', 'started before drain(), answered after');
    assert.equal((await fetch(http.url('/alive'))).status, 200, 'liveness is unaffected');
  });
});

describe('unexpected errors', () => {
  const log = memoryLog();
  let http;
  before(async () => {
    const router = createRouter(
      {
        '/api/throws': { GET: () => { throw new Error('sync boom'); } },
        '/api/rejects': { GET: async () => { throw new Error('async boom'); } },
        '/api/breaks-midway': {
          GET: (req, res) => {
            res.writeHead(200, { 'Content-Length': '100' });
            res.write('partial');
            throw new Error('midway boom');
          },
        },
        '/page-throws': { GET: () => { throw new Error('page boom'); } },
      },
      { log },
    );
    http = await listen(router.handle);
  });
  after(() => http.server.close());

  test('become a 500 with a generic message and an error log line', async () => {
    for (const [path, message] of [['/api/throws', 'sync boom'], ['/api/rejects', 'async boom']]) {
      const res = await fetch(http.url(path));
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { error: 'internal server error' });
      const logged = log.records.find((r) => r.msg === 'request failed' && r.path === path);
      assert.equal(logged?.level, 'error');
      assert.equal(logged.err.message, message);
    }
    const page = await fetch(http.url('/page-throws'));
    assert.equal(page.status, 500);
    assert.equal(await page.text(), 'internal server error\n');
  });

  test('after the headers went out, cut the connection instead', async () => {
    const res = await fetch(http.url('/api/breaks-midway'));
    await assert.rejects(res.text());
    assert.ok(log.records.some((r) => r.msg === 'request failed' && r.err.message === 'midway boom'));
    const logged = await waitFor(() =>
      log.records.find((r) => r.msg === 'request' && r.path === '/api/breaks-midway'),
    );
    assert.equal(logged.aborted, true);
  });
});

async function waitFor(probe) {
  for (let i = 0; i < 100; i++) {
    const value = probe();
    if (value) return value;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail('condition not met');
}

test('formatDuration leaves out leading zero units', () => {
  const cases = [[0, '0s'], [59, '59s'], [60, '1m 0s'], [3661, '1h 1m 1s'], [93_784, '1d 2h 3m 4s']];
  for (const [seconds, text] of cases) assert.equal(formatDuration(seconds), text);
});

test('escapeHtml escapes the five significant characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, test } from 'node:test';
import { AppProcess } from './helpers.js';

let app;
afterEach(() => app?.stop());

/** Starts GET /api/slow?ms=… and resolves, once the app is handling it, with { response }. */
async function startSlowRequest(ms) {
  const since = app.logs.length;
  const response = fetch(app.url(`/api/slow?ms=${ms}`));
  response.catch(() => {}); // awaited by the test; this only keeps an early failure from going unhandled
  await app.waitForLog((l) => l.msg === 'request started' && l.path === '/api/slow', { since });
  return { response }; // wrapped, or awaiting this function would await the response too
}

/**
 * Opens a new connection and asks for /alive. The listening socket closes while a
 * connection may already wait in the kernel's backlog: refused and reset both mean not served.
 */
function tryNewConnection() {
  return new Promise((resolve) => {
    const socket = net.connect(app.port, '127.0.0.1', () =>
      socket.write('GET /alive HTTP/1.1\r\nHost: t\r\n\r\n'),
    );
    socket.once('data', () => resolve('served'));
    socket.once('error', (err) => resolve(err.code));
    socket.once('close', () => resolve('closed'));
  });
}

test('SIGTERM lets an in-flight request finish, refuses new connections, then exits 0', async () => {
  app = await AppProcess.start({ LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT_MS: '5000', ENABLE_SLOW_ENDPOINT: 'true' });
  const { response: slow } = await startSlowRequest(400);

  const signalled = performance.now();
  app.child.kill('SIGTERM');
  await app.waitForLog((l) => l.msg === 'shutdown started' && l.signal === 'SIGTERM');

  assert.ok(['ECONNREFUSED', 'ECONNRESET', 'closed'].includes(await tryNewConnection()), 'not served');

  app.child.kill('SIGTERM');
  await app.waitForLog((l) => l.msg === 'shutdown already in progress');

  const res = await slow;
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('connection'), 'close');
  assert.deepEqual(await res.json(), { sleptMs: 400 });

  assert.deepEqual(await app.exited, { code: 0, signal: null });
  assert.ok(performance.now() - signalled < 5000);
  assert.equal(app.logs.filter((l) => l.msg === 'shutdown started').length, 1);
  assert.ok(app.logs.some((l) => l.msg === 'server closed'));
});

test('SIGINT closes idle keep-alive connections instead of waiting for them, and exits 0', async () => {
  app = await AppProcess.start();
  // fetch keeps this connection open and idle: shutdown must not wait out its 65 s keep-alive.
  const res = await fetch(app.url('/alive'));
  assert.equal(res.headers.get('connection'), 'keep-alive');
  await res.arrayBuffer();

  const signalled = performance.now();
  app.child.kill('SIGINT');
  assert.deepEqual(await app.exited, { code: 0, signal: null });
  assert.ok(performance.now() - signalled < 2000);
  assert.ok(app.logs.some((l) => l.msg === 'shutdown started' && l.signal === 'SIGINT'));
});

test('past SHUTDOWN_TIMEOUT_MS the remaining connections are cut and the exit code is 1', async () => {
  app = await AppProcess.start({ LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT_MS: '300', ENABLE_SLOW_ENDPOINT: 'true' });
  const { response: slow } = await startSlowRequest(10_000);

  const signalled = performance.now();
  app.child.kill('SIGTERM');
  assert.deepEqual(await app.exited, { code: 1, signal: null });
  const elapsed = performance.now() - signalled;
  assert.ok(elapsed >= 290 && elapsed < 3000, `exited after ${elapsed} ms`);
  await assert.rejects(slow);
  assert.ok(app.logs.some((l) => l.msg === 'shutdown timed out, closing remaining connections'));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../src/logger.js';

/** A logger writing into an array of parsed JSON lines; `writes` counts the stream's write calls. */
function capture(level, options = {}) {
  const lines = [];
  const counter = { writes: 0 };
  const stream = {
    write: (text) => {
      counter.writes++;
      lines.push(...text.trimEnd().split('\n').map((l) => JSON.parse(l)));
    },
  };
  const log = createLogger({ level, stream, ...options });
  return { log, lines, counter };
}

test('writes one JSON line per record: time, level, msg, then the fields', () => {
  const { log, lines } = capture('info');
  log.info('request', { method: 'GET', status: 200 });
  log.flush();
  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.deepEqual(Object.keys(line), ['time', 'level', 'msg', 'method', 'status']);
  assert.equal(line.level, 'info');
  assert.equal(line.msg, 'request');
  assert.equal(line.method, 'GET');
  assert.ok(Math.abs(Date.parse(line.time) - Date.now()) < 5000);
});

test('drops records below the configured level', () => {
  const { log, lines } = capture('warn');
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  log.flush();
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [['warn', 'w'], ['error', 'e']]);
  assert.deepEqual(['debug', 'info', 'warn', 'error'].map((l) => log.isLevelEnabled(l)), [false, false, true, true]);
});

test('serializes an Error given as err, and anything else thrown as a message', () => {
  const { log, lines } = capture('debug');
  const err = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });
  log.error('failed', { err });
  log.error('failed', { err: 'a string' });
  log.flush();
  assert.equal(lines[0].err.type, 'TypeError');
  assert.equal(lines[0].err.message, 'boom');
  assert.equal(lines[0].err.code, 'E_BOOM');
  assert.match(lines[0].err.stack, /TypeError: boom/);
  assert.deepEqual(lines[1].err, { message: 'a string' });
});

test('lines of one event-loop turn go out in one write, at the end of the turn', async () => {
  const { log, lines, counter } = capture('info');
  for (let i = 0; i < 100; i++) log.request('GET', `/${i}`, 200, performance.now());
  assert.equal(counter.writes, 0, 'nothing written before the turn ends');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(counter.writes, 1);
  assert.deepEqual(lines.map((l) => l.path), Array.from({ length: 100 }, (_, i) => `/${i}`));
  assert.ok(lines.every((l) => l.msg === 'request' && l.level === 'info'));
});

test('below info, requests are not logged at all', () => {
  const { log, lines } = capture('warn');
  log.request('GET', '/', 200, performance.now());
  log.flush();
  assert.deepEqual(lines, []);
});

test('a request line is the same JSON as any other line, whatever the path holds', () => {
  const { log, lines } = capture('info');
  const path = '/a"b\\c\u0001\u2028é<script>';
  const before = Date.now();
  log.request('POST', path, 413, performance.now() - 12.345, true);
  log.request('GET', '/', 200, performance.now());
  log.flush();
  assert.deepEqual(Object.keys(lines[0]), ['time', 'level', 'msg', 'method', 'path', 'status', 'durationMs', 'aborted']);
  const { time, durationMs, ...rest } = lines[0];
  assert.deepEqual(rest, { level: 'info', msg: 'request', method: 'POST', path, status: 413, aborted: true });
  assert.ok(durationMs >= 12.34 && durationMs < 1000, `durationMs ${durationMs}`);
  assert.equal(Math.round(durationMs * 100), durationMs * 100, 'two decimals');
  assert.ok(Math.abs(Date.parse(time) - before) < 1000, `time ${time} is now`);
  assert.equal(lines[1].aborted, undefined, 'aborted only when it was');
});

test('without telemetry no trace ids are looked up; with it, the active span is on the line', async () => {
  const { trace, context, ROOT_CONTEXT } = await import('@opentelemetry/api');
  // The smallest synchronous context manager the API accepts: enough for context.with around plain calls.
  let active = ROOT_CONTEXT;
  const manager = {
    active: () => active,
    with(ctx, fn, thisArg, ...args) {
      const previous = active;
      active = ctx;
      try {
        return fn.call(thisArg, ...args);
      } finally {
        active = previous;
      }
    },
    bind: (ctx, target) => target,
    enable() { return this; },
    disable() { return this; },
  };
  context.setGlobalContextManager(manager);
  try {
    const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };
    const inSpan = (fn) => context.with(trace.setSpanContext(ROOT_CONTEXT, span), fn);
    const off = capture('info');
    const on = capture('info', { traced: true });
    inSpan(() => {
      off.log.request('GET', '/', 200, performance.now());
      on.log.request('GET', '/', 200, performance.now());
      on.log.info('hello');
    });
    off.log.flush();
    on.log.flush();
    assert.equal(off.lines[0].traceId, undefined);
    assert.deepEqual(on.lines.map((l) => [l.traceId, l.spanId]), [['a'.repeat(32), 'b'.repeat(16)], ['a'.repeat(32), 'b'.repeat(16)]]);
  } finally {
    context.disable();
  }
});

test('lines still buffered are written when the process exits', async () => {
  const { spawn } = await import('node:child_process');
  const script = `
    import { createLogger } from './src/logger.js';
    const log = createLogger();
    log.info('last words', { n: 1 });
    process.exit(3);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 3);
  assert.equal(JSON.parse(out).msg, 'last words');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../src/logger.js';

/** A logger writing into an array of parsed JSON lines. */
function capture(level) {
  const lines = [];
  const stream = { write: (text) => lines.push(...text.trimEnd().split('\n').map((l) => JSON.parse(l))) };
  return { log: createLogger({ level, stream }), lines };
}

test('writes one JSON line per record: time, level, msg, then the fields', () => {
  const { log, lines } = capture('info');
  log.info('request', { method: 'GET', status: 200 });
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
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [['warn', 'w'], ['error', 'e']]);
});

test('serializes an Error given as err, and anything else thrown as a message', () => {
  const { log, lines } = capture('debug');
  const err = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });
  log.error('failed', { err });
  log.error('failed', { err: 'a string' });
  assert.equal(lines[0].err.type, 'TypeError');
  assert.equal(lines[0].err.message, 'boom');
  assert.equal(lines[0].err.code, 'E_BOOM');
  assert.match(lines[0].err.stack, /TypeError: boom/);
  assert.deepEqual(lines[1].err, { message: 'a string' });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { AppProcess } from './helpers.js';

describe('loadConfig', () => {
  test('defaults', () => {
    assert.deepEqual(loadConfig({}), {
      appName: 'node-app',
      version: '1.0.0',
      port: 4000,
      host: undefined,
      shutdownTimeoutMs: 10_000,
      keepAliveTimeoutMs: 65_000,
      headersTimeoutMs: 66_000,
      requestTimeoutMs: 300_000,
      maxBodyBytes: 1024 * 1024,
      maxHeaderBytes: 16 * 1024,
      logLevel: 'info',
      slowEndpoint: false,
      upstreamUrl: undefined,
    });
  });

  test('reads every variable, and the result is frozen', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      APP_NAME: 'shop',
      SHUTDOWN_TIMEOUT_MS: '5000',
      KEEP_ALIVE_TIMEOUT_MS: '70000',
      REQUEST_TIMEOUT_MS: '0',
      MAX_BODY_BYTES: '10',
      MAX_HEADER_BYTES: '8192',
      LOG_LEVEL: 'WARN',
      ENABLE_SLOW_ENDPOINT: 'true',
      UPSTREAM_URL: 'http://127.0.0.1:5000/api/info',
    });
    assert.deepEqual(config, {
      appName: 'shop',
      version: '1.0.0',
      port: 8080,
      host: '127.0.0.1',
      shutdownTimeoutMs: 5000,
      keepAliveTimeoutMs: 70_000,
      headersTimeoutMs: 71_000,
      requestTimeoutMs: 0,
      maxBodyBytes: 10,
      maxHeaderBytes: 8192,
      logLevel: 'warn',
      slowEndpoint: true,
      upstreamUrl: 'http://127.0.0.1:5000/api/info',
    });
    assert.ok(Object.isFrozen(config));
  });

  test('empty values fall back to the defaults', () => {
    assert.deepEqual(loadConfig({ PORT: '', APP_NAME: ' ', LOG_LEVEL: '' }), loadConfig({}));
  });

  const invalid = [
    [{ PORT: 'abc' }, 'PORT', 'abc'],
    [{ PORT: '0' }, 'PORT', '0'],
    [{ PORT: '65536' }, 'PORT', '65536'],
    [{ PORT: '80.5' }, 'PORT', '80.5'],
    [{ PORT: '-1' }, 'PORT', '-1'],
    [{ PORT: '8080abc' }, 'PORT', '8080abc'],
    [{ SHUTDOWN_TIMEOUT_MS: '0' }, 'SHUTDOWN_TIMEOUT_MS', '0'],
    [{ KEEP_ALIVE_TIMEOUT_MS: 'soon' }, 'KEEP_ALIVE_TIMEOUT_MS', 'soon'],
    [{ REQUEST_TIMEOUT_MS: '1e3' }, 'REQUEST_TIMEOUT_MS', '1e3'],
    [{ REQUEST_TIMEOUT_MS: '5000' }, 'REQUEST_TIMEOUT_MS', '5000'],
    [{ MAX_BODY_BYTES: '-5' }, 'MAX_BODY_BYTES', '-5'],
    [{ MAX_HEADER_BYTES: '100' }, 'MAX_HEADER_BYTES', '100'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', 'verbose'],
    [{ ENABLE_SLOW_ENDPOINT: 'yes' }, 'ENABLE_SLOW_ENDPOINT', 'yes'],
    [{ UPSTREAM_URL: 'localhost:5000' }, 'UPSTREAM_URL', 'localhost:5000'],
    [{ UPSTREAM_URL: 'ftp://x/y' }, 'UPSTREAM_URL', 'ftp://x/y'],
  ];
  for (const [env, name, value] of invalid) {
    test(`rejects ${name}=${value}, naming both`, () => {
      assert.throws(() => loadConfig(env), (err) => {
        assert.ok(err instanceof ConfigError);
        assert.ok(err.message.includes(name) && err.message.includes(`"${value}"`), err.message);
        return true;
      });
    });
  }

  test('reports every invalid variable at once', () => {
    assert.throws(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'y' }), /PORT.*"x".*LOG_LEVEL.*"y"/);
  });
});

describe('the app with invalid configuration', () => {
  for (const [name, value] of [['PORT', 'abc'], ['PORT', '70000'], ['MAX_BODY_BYTES', 'lots']]) {
    test(`exits 1 before listening, naming ${name}=${value} on stderr`, async () => {
      const app = new AppProcess({ [name]: value });
      assert.deepEqual(await app.exited, { code: 1, signal: null });
      assert.match(app.stderr, new RegExp(`^Invalid configuration: ${name} .*"${value}"`));
      assert.deepEqual(app.logs, []);
    });
  }
});

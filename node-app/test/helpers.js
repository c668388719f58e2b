// Shared test helpers: run the real app as a child process, and talk raw HTTP to it.
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const APP_VARS = new Set([
  'PORT', 'HOST', 'APP_NAME', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS', 'KEEP_ALIVE_TIMEOUT_MS',
  'REQUEST_TIMEOUT_MS', 'MAX_BODY_BYTES', 'MAX_HEADER_BYTES', 'ENABLE_SLOW_ENDPOINT', 'UPSTREAM_URL', 'NODE_OPTIONS',
]);

/** The test runner's environment without anything the app reads, so only `env` counts. */
function cleanEnv(env) {
  const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && !APP_VARS.has(k));
  return { ...Object.fromEntries(inherited), ...env };
}

/** A port that was free a moment ago (the app requires PORT from 1 to 65535). */
export async function freePort() {
  const probe = net.createServer().listen(0);
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  return port;
}

/**
 * Runs the app exactly as `npm start` does, with its stdout parsed as JSON lines. `nodeArgs` go to node before
 * the app's own (e.g. one more `--import`).
 */
export class AppProcess extends EventEmitter {
  logs = [];
  stderr = '';

  constructor(env, { nodeArgs = [] } = {}) {
    super();
    this.child = spawn(process.execPath, [...nodeArgs, '--import', './src/instrumentation.js', 'src/server.js'], {
      cwd: APP_DIR,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({ code, signal }));
    this.exited.then(() => this.emit('exit'));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const record = JSON.parse(line);
      this.logs.push(record);
      this.emit('log', record);
    });
    this.child.stderr.setEncoding('utf8').on('data', (text) => (this.stderr += text));
  }

  /** Starts the app on a free port and resolves once it logs that it is listening. */
  static async start(env = {}, options = {}) {
    const port = await freePort();
    const app = new AppProcess({ PORT: String(port), ...env }, options);
    app.port = port;
    await app.waitForLog((l) => l.msg === 'listening');
    return app;
  }

  url(path) {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /**
   * Resolves with the first log record matching `predicate`, already written or still
   * to come; `since` skips the records before that index (take it from logs.length).
   */
  waitForLog(predicate, { since = 0, timeoutMs = 5000 } = {}) {
    const found = this.logs.slice(since).find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const done = (fn, value) => {
        clearTimeout(timer);
        this.off('log', onLog).off('exit', onExit);
        fn(value);
      };
      const onLog = (record) => predicate(record) && done(resolve, record);
      const onExit = () => done(reject, new Error(`app exited before the awaited log line\n${this.stderr}`));
      const timer = setTimeout(() => done(reject, new Error('timed out waiting for a log line')), timeoutMs);
      this.on('log', onLog).on('exit', onExit);
    });
  }

  /** Kills the app if it is still running; for after() hooks. */
  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * Sends `text` over a fresh TCP connection and resolves with everything received until
 * the server closes it. Only the server closes: a half-close here would be a second signal.
 */
export function rawRequest(port, text, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    socket.setEncoding('utf8').setTimeout(timeoutMs, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (chunk) => (received += chunk));
    socket.on('close', () => resolve(received));
    // A reset after the response still leaves the response to check.
    socket.on('error', (err) => (received && err.code === 'ECONNRESET' ? resolve(received) : reject(err)));
  });
}

/** "HTTP/1.1 431 Request Header Fields Too Large\r\n..." → 431 */
export const statusOf = (rawResponse) => Number(rawResponse.split(' ', 2)[1]);

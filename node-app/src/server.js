// Entry point: `node --import ./src/instrumentation.js src/server.js`.
import { createServer, STATUS_CODES } from 'node:http';
import { Server as NetServer } from 'node:net';
import { inspect } from 'node:util';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { shutdownTelemetry, telemetryWarnings } from './telemetry.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`Invalid configuration: ${err.message}\n`);
  process.exit(1);
}

// A collector that has gone away (the dashboard stops with the AppHost) must not hold up the exit.
const TELEMETRY_FLUSH_MAX_MS = 2000;

const log = createLogger({ level: config.logLevel });
// An OTEL_* value telemetry could not honour is said once, here, not silently dropped.
for (const reason of telemetryWarnings()) log.warn('telemetry setting ignored', { reason });
// A crash still exports what explains it: the error is logged, telemetry flushed (bounded), then the process exits
// 1 with the error on stderr as node would print it. Unhandled rejections arrive here too (origin says which).
let crashing = false;
process.on('uncaughtException', async (err, origin) => {
  if (crashing) return;
  crashing = true;
  process.stderr.write(`${origin === 'unhandledRejection' ? 'Unhandled rejection' : 'Uncaught exception'}: ${inspect(err)}\n`);
  log.error('uncaught exception', { origin, err });
  try {
    await shutdownTelemetry(TELEMETRY_FLUSH_MAX_MS);
  } catch {
    // nothing more can be reported
  }
  process.exit(1);
});

const CONNECTIONS_CHECK_MS = 500;
// How long after SIGTERM a keep-alive connection that looks idle is left open: a request already on the wire is
// not parsed yet, so closing at once would reset it. Those requests are answered with `Connection: close`. Short,
// because every watch-mode restart waits for it: 100 ms is many event-loop turns for a request already received.
const IDLE_CLOSE_GRACE_MS = 100;

const app = createApp({ config, log });
const server = createServer(
  {
    maxHeaderSize: config.maxHeaderBytes,
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // Node enforces the two timeouts above only when it checks connections (every 30 s by default), which
    // would let a slowloris client hold a socket up to 30 s past headersTimeout.
    connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
  },
  app.handle,
);
server.keepAliveTimeout = config.keepAliveTimeoutMs;

// Listening to log these means answering them too (node's own reply stops once a
// listener exists): same statuses as node's, and like node, write then destroy.
const CLIENT_ERROR_STATUS = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};
server.on('clientError', (err, socket) => {
  if (err.code !== 'ECONNRESET' && socket.writable) {
    const status = CLIENT_ERROR_STATUS[err.code] ?? 400;
    log.warn('bad request from client', { code: err.code, status });
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  socket.destroy();
});

server.on('error', (err) => {
  log.error('server error', { err });
  process.exit(1);
});

server.listen({ port: config.port, host: config.host }, () => {
  const { address, port } = server.address();
  log.info('listening', { address, port, name: config.appName, version: config.version, node: process.version });
});

let shuttingDown = false;

/**
 * One graceful shutdown however many signals arrive: fail readiness, stop
 * accepting, let in-flight requests finish (their responses close their
 * connections), close keep-alive connections once idle, flush telemetry, exit 0.
 * SHUTDOWN_TIMEOUT_MS bounds it all: connections still open then are destroyed and
 * the exit code is 1; a telemetry flush is given at most TELEMETRY_FLUSH_MAX_MS and
 * then abandoned (exit 0).
 */
function shutdown(signal) {
  if (shuttingDown) {
    log.warn('shutdown already in progress', { signal });
    return;
  }
  shuttingDown = true;
  log.info('shutdown started', { signal, timeoutMs: config.shutdownTimeoutMs });

  const deadline = Date.now() + config.shutdownTimeoutMs;
  const forceExit = setTimeout(() => {
    log.error('shutdown timed out, closing remaining connections', { timeoutMs: config.shutdownTimeoutMs });
    server.closeAllConnections();
    process.exit(1);
  }, config.shutdownTimeoutMs);

  app.drain();
  // net.Server's close only stops accepting; http.Server's would also drop every idle-looking keep-alive
  // connection at once, resetting requests that are on the wire but not yet parsed.
  NetServer.prototype.close.call(server, async () => {
    clearTimeout(forceExit);
    log.info('server closed');
    try {
      await shutdownTelemetry(Math.max(0, Math.min(TELEMETRY_FLUSH_MAX_MS, deadline - Date.now())));
    } catch (err) {
      log.warn('telemetry flush failed', { err });
    }
    process.exit(0);
  });
  // Then close what is still idle, repeatedly: responses during the drain close their own connections.
  const closeIdle = setInterval(() => server.closeIdleConnections(), IDLE_CLOSE_GRACE_MS);
  closeIdle.unref();
}

// Explicit handlers: as PID 1 in a container, node would otherwise ignore SIGTERM.
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

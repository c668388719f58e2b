import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createRouter,
  HttpError,
  JSON_HEADERS,
  prepare,
  readBodyLength,
  responseHeaders,
  sendJson,
  sendPrepared,
} from './http.js';

/** Upper bound for GET /api/slow, a test hook for in-flight requests during shutdown. */
const MAX_SLOW_MS = 30_000;
/** How long GET /api/upstream waits for the upstream service. */
const UPSTREAM_TIMEOUT_MS = 5000;

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:3rem auto;max-width:40rem;padding:0 1rem}' +
  'dt{font-weight:600}dd{margin:0 0 .75rem}';
// Allows exactly this stylesheet and nothing else.
const HOME_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const HOME_HEADERS = responseHeaders('text/html; charset=utf-8', HOME_CSP);
// The probes' answers never change: stringified once, not at every probe.
const HEALTHY = prepare(JSON_HEADERS, JSON.stringify({ status: 'healthy' }));
const SHUTTING_DOWN = prepare(JSON_HEADERS, JSON.stringify({ status: 'shutting down' }));
const ALIVE = prepare(JSON_HEADERS, JSON.stringify({ status: 'alive' }));

/**
 * The app's routes on top of the router. Returns the router: `handle` for
 * http.createServer, and `drain()` for shutdown (after it /health answers 503).
 */
export function createApp({ config, log }) {
  const instance = hostname();
  const startedAt = new Date(Date.now() - process.uptime() * 1000).toISOString();
  const info = () => ({
    name: config.appName,
    version: config.version,
    instance,
    uptimeSeconds: Math.floor(process.uptime()),
    node: process.version,
    startedAt,
  });

  const home = createHomePage({ name: config.appName, version: config.version, instance });

  const routes = {
    '/': { GET: (req, res) => sendPrepared(res, 200, home(Math.floor(process.uptime()))) },
    '/api/info': { GET: (req, res) => sendJson(res, 200, info()) },
    // Readiness: fails once shutdown begins, so no new traffic is routed here.
    '/health': {
      GET: (req, res) =>
        router.draining ? sendPrepared(res, 503, SHUTTING_DOWN) : sendPrepared(res, 200, HEALTHY),
    },
    // Liveness: depends on nothing but the event loop answering.
    '/alive': { GET: (req, res) => sendPrepared(res, 200, ALIVE) },
    '/api/echo': {
      POST: async (req, res) => sendJson(res, 200, { bytes: await readBodyLength(req, config.maxBodyBytes) }),
    },
  };
  if (config.slowEndpoint) {
    routes['/api/slow'] = {
      GET: async (req, res, rawQuery) => {
        const ms = parseSlowMs(new URLSearchParams(rawQuery).get('ms'));
        await sleep(ms);
        sendJson(res, 200, { sleptMs: ms });
      },
    };
  }
  if (config.upstreamUrl) {
    // A call to another service: with telemetry on, fetch carries the trace (traceparent) and shows as a client span.
    routes['/api/upstream'] = {
      GET: async (req, res) => {
        let upstream;
        try {
          upstream = await fetch(config.upstreamUrl, { signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
          await upstream.arrayBuffer();
        } catch (err) {
          log.warn('upstream request failed', { upstream: config.upstreamUrl, err });
          throw new HttpError(502, 'upstream service unreachable');
        }
        sendJson(res, 200, { upstream: config.upstreamUrl, status: upstream.status });
      },
    };
  }

  const router = createRouter(routes, { log });
  return router;
}

function parseSlowMs(raw) {
  const ms = /^\d+$/.test(raw ?? '') ? Number(raw) : NaN;
  if (!(ms <= MAX_SLOW_MS)) throw new HttpError(400, `ms must be an integer from 0 to ${MAX_SLOW_MS}`);
  return ms;
}

/**
 * The home page as a function of the uptime in seconds. Everything but the uptime is rendered once, and the
 * page of the current second is kept with its headers, so a request usually just sends a prepared response.
 */
function createHomePage({ name, version, instance }) {
  const title = escapeHtml(name);
  const head = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${title}</h1>
<dl>
<dt>Version</dt><dd>${escapeHtml(version)}</dd>
<dt>Instance</dt><dd>${escapeHtml(instance)}</dd>
<dt>Uptime</dt><dd>`;
  const tail = `</dd>
</dl>
</body>
</html>
`;
  let cachedSecond = -1;
  let cachedPage;
  return (uptimeSeconds) => {
    if (uptimeSeconds !== cachedSecond) {
      cachedPage = prepare(HOME_HEADERS, head + formatDuration(uptimeSeconds) + tail);
      cachedSecond = uptimeSeconds;
    }
    return cachedPage;
  };
}

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** 93784 → "1d 2h 3m 4s"; leading zero units are left out. */
export function formatDuration(totalSeconds) {
  const parts = [
    [Math.floor(totalSeconds / 86_400), 'd'],
    [Math.floor(totalSeconds / 3600) % 24, 'h'],
    [Math.floor(totalSeconds / 60) % 60, 'm'],
    [totalSeconds % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first === -1 ? parts.length - 1 : first)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

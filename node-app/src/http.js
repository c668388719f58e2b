import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import { telemetryRunning } from './telemetry.js';

/** An error that maps to an HTTP status; its message is safe to show the client. */
export class HttpError extends Error {
  constructor(status, message = STATUS_CODES[status]) {
    super(message);
    this.status = status;
  }
}

// Sent on every response; the home page widens the CSP for its own stylesheet. Flat [name, value, ...] arrays,
// built once: res.writeHead takes them as they are, without setHeader's per-header bookkeeping.
const BASE_HEADERS = [
  'Cache-Control', 'no-store',
  'Referrer-Policy', 'no-referrer',
  'X-Content-Type-Options', 'nosniff',
  'X-Frame-Options', 'DENY',
];
const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The headers of a response of `contentType` (Content-Length is added per response). */
export const responseHeaders = (contentType, csp = DEFAULT_CSP) =>
  Object.freeze([...BASE_HEADERS, 'Content-Security-Policy', csp, 'Content-Type', contentType]);

/** The headers of a JSON response. */
export const JSON_HEADERS = responseHeaders('application/json; charset=utf-8');
const TEXT_HEADERS = responseHeaders('text/plain; charset=utf-8');

/** `headers` and the Content-Length of `body` (a string or a Buffer): what a complete response sends. */
const headersWithLength = (headers, body) => [...headers, 'Content-Length', Buffer.byteLength(body)];

/** Ends `res` with a complete body (a string or a Buffer); node itself drops the body for HEAD requests. */
export function send(res, status, headers, body) {
  res.writeHead(status, headersWithLength(headers, body));
  res.end(body);
}

export const sendJson = (res, status, value) => send(res, status, JSON_HEADERS, JSON.stringify(value));

/**
 * A response body that does not change, with its complete header list (Content-Length included) made once:
 * `sendPrepared` then costs no header array and no length per response. The body stays a string, so node writes
 * it together with the headers as one chunk.
 */
export const prepare = (headers, body) => Object.freeze({ headers: headersWithLength(headers, body), body });

/** Ends `res` with a prepared response. */
export function sendPrepared(res, status, prepared) {
  res.writeHead(status, prepared.headers);
  res.end(prepared.body);
}

/**
 * Counts a request body's bytes without keeping them. Rejects with 413 as soon as
 * the declared Content-Length or the bytes actually received exceed `limit`, and
 * then stops reading: the 413 goes out with `Connection: close`.
 */
export function readBodyLength(req, limit) {
  const tooLarge = () => new HttpError(413, `request body exceeds ${limit} bytes`);
  if (Number(req.headers['content-length']) > limit) return Promise.reject(tooLarge());

  return new Promise((resolve, reject) => {
    let received = 0;
    const settle = (fn, value) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      fn(value);
    };
    const onData = (chunk) => {
      received += chunk.length;
      if (received > limit) {
        req.pause();
        settle(reject, tooLarge());
      }
    };
    const onEnd = () => settle(resolve, received);
    const onError = (err) => settle(reject, err);
    const onClose = () => settle(reject, new Error('client closed the request before its body ended'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Builds a request handler from `routes` ({path: {METHOD: handler(req, res, rawQuery)}}):
 * HEAD is served by GET, unknown paths get 404, wrong methods 405 with Allow, and a
 * thrown error becomes its HttpError status or a logged 500. Every request is
 * logged once (`log.request`): a response a handler ended synchronously (most routes) at once, in the
 * request's context, anything else when its response closes (`aborted` when it closed unfinished).
 *
 * drain() marks the app as shutting down: every response still to be sent carries
 * `Connection: close`, so keep-alive connections end and the server can close.
 */
export function createRouter(routes, { log, traced = telemetryRunning() }) {
  const table = new Map(Object.entries(routes));
  // Responses whose headers may still be unsent: the ones a drain must still mark `Connection: close`.
  const pending = new Set();
  let draining = false;
  // Checked once: with debug off, a request does not even build the fields of its "request started" record.
  const debug = log.isLevelEnabled('debug');

  function handle(req, res) {
    const started = performance.now();
    // Split by hand: new URL() would read a path like `//evil/x` as a host name.
    const queryAt = req.url.indexOf('?');
    const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
    const rawQuery = queryAt === -1 ? '' : req.url.slice(queryAt + 1);
    if (debug) log.debug('request started', { method: req.method, path });
    if (draining) res.setHeader('Connection', 'close');

    let result;
    let thrown = false;
    try {
      result = dispatch(table, req, res, path, rawQuery, traced);
    } catch (err) {
      result = err;
      thrown = true;
    }
    // The fast path: done in this call, so nothing is left to wait for: no listener, closure or context to keep.
    if (!thrown && res.writableEnded && !(result instanceof Promise)) {
      log.request(req.method, path, res.statusCode, started, false);
      return;
    }
    const requestContext = context.active();
    if (!draining) pending.add(res);
    res.once('close', () => {
      pending.delete(res);
      context.with(requestContext, () => log.request(req.method, path, res.statusCode, started, !res.writableFinished));
    });
    const fail = (err) => {
      if (!(err instanceof HttpError)) {
        context.with(requestContext, () => log.error('request failed', { method: req.method, path, err }));
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof HttpError ? err.message : 'internal server error';
      if (status === 413) res.setHeader('Connection', 'close');
      if (path.startsWith('/api/')) sendJson(res, status, { error: message });
      else send(res, status, TEXT_HEADERS, `${message}\n`);
    };
    // After the current tick, as for a rejection: what a handler wrote before throwing is still corked until then.
    if (thrown) queueMicrotask(() => fail(result));
    else if (result instanceof Promise) result.catch(fail);
  }

  function drain() {
    draining = true;
    for (const res of pending) if (!res.headersSent) res.setHeader('Connection', 'close');
  }

  return {
    handle,
    drain,
    get draining() {
      return draining;
    },
  };
}

/** Runs the route's handler; returns what it returns (a promise for async handlers), throws what it throws. */
function dispatch(table, req, res, path, rawQuery, traced) {
  const methods = table.get(path);
  if (!methods) throw new HttpError(404);
  // The route, for the HTTP instrumentation: it names the server span after it ("GET /api/info") and puts
  // http.route on the span and on the request duration metric. Only for known routes, so unknown paths cannot
  // blow up the number of span names and metric series. Without telemetry there is no metadata: nothing to look up.
  if (traced) {
    const rpc = getRPCMetadata(context.active());
    if (rpc?.type === RPCType.HTTP) rpc.route = path;
  }
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  if (!Object.hasOwn(methods, method)) {
    const allowed = Object.keys(methods).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
    res.setHeader('Allow', allowed.join(', '));
    throw new HttpError(405);
  }
  return methods[method](req, res, rawQuery);
}

// Long fault tests for node-app (issue 7), the bigger siblings of node-app/test/load.test.js. Run by bench/faults.sh.
// Each scenario starts the real app (as `npm start` does, telemetry off) on a free loopback port and compares
// normal requests during the fault against normal requests just before it, in the same run.
//
//   slowloris   SLOW connections send a request head one line every 250 ms and never finish it, with the app's
//               headers timeout at 2 s (KEEP_ALIVE_TIMEOUT_MS=1000). Measured: when each is cut off (and with
//               what), and the latency of normal requests meanwhile. Bounded at 40 s.
//   sigterm     64 keep-alive clients hammer GET / for 3 s, then SIGTERM. Every request is classified: completed
//               (200), cut mid-response, reset before any byte on a reused connection, refused at connect.
//   oversized   1000 requests with a 32 KiB header (MAX_HEADER_BYTES=16384, the default) among normal requests.
//
// Prints one JSON line per scenario on stdout.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppProcess, rawRequest, statusOf } from '../node-app/test/helpers.js';

const SLOW = Number(process.env.SLOW ?? 500);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const summary = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const r = (x) => Math.round(x * 10) / 10;
  return { n: s.length, p50: r(pct(s, 50)), p99: r(pct(s, 99)), max: r(s.at(-1)) };
};

/** Sequential normal requests on fresh connections for `ms`; latencies in ms, and any non-200. */
async function probe(port, ms) {
  const latencies = [];
  let failures = 0;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const t = performance.now();
    try {
      const res = await rawRequest(port, 'GET /alive HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n');
      if (statusOf(res) !== 200) failures++;
    } catch {
      failures++;
    }
    latencies.push(performance.now() - t);
  }
  return { ...summary(latencies), failures };
}

function connect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve({ socket }));
    socket.once('error', (err) => resolve({ error: err.code }));
  });
}

async function slowloris() {
  const app = await AppProcess.start({ KEEP_ALIVE_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' });
  try {
    const before = await probe(app.port, 2000);
    const opened = Date.now();
    const conns = [];
    for (let i = 0; i < SLOW; i++) {
      const { socket, error } = await connect(app.port);
      if (error) throw new Error(`slow connection ${i}: ${error}`);
      const c = { received: '', cutAfterMs: undefined, lines: 0 };
      socket.setEncoding('latin1').on('data', (d) => (c.received += d)).on('error', () => {});
      socket.on('close', () => (c.cutAfterMs = Date.now() - opened));
      socket.write('GET / HTTP/1.1\r\nHost: slowloris\r\n');
      c.timer = setInterval(() => {
        if (socket.destroyed || c.lines >= 200) clearInterval(c.timer);
        else socket.write(`X-Slow-${c.lines++}: aaaaaaaaaaaaaaaaaaaa\r\n`);
      }, 250);
      c.socket = socket;
      conns.push(c);
    }
    const during = await probe(app.port, 3000);
    while (Date.now() - opened < 40_000 && conns.some((c) => c.cutAfterMs === undefined)) await sleep(100);
    for (const c of conns) {
      clearInterval(c.timer);
      c.socket.destroy();
    }
    const cut = conns.filter((c) => c.received.startsWith('HTTP/1.1 408'));
    return {
      scenario: 'slowloris',
      slowConnections: SLOW,
      headersTimeoutMs: 2000,
      cutWith408: cut.length,
      stillOpenAt40s: conns.length - cut.length,
      cutAfterMs: cut.length ? summary(cut.map((c) => c.cutAfterMs)) : null,
      normalBeforeMs: before,
      normalDuringMs: during,
      p50Ratio: Math.round((during.p50 / before.p50) * 100) / 100,
    };
  } finally {
    await app.stop();
  }
}

/** One keep-alive client: requests back to back, new connection after `Connection: close`, until refused. */
async function keepAliveClient(port, counts, deadline) {
  while (Date.now() < deadline) {
    const { socket, error } = await connect(port);
    if (error) {
      counts.refusedAtConnect++;
      return;
    }
    let served = 0;
    let buffer = Buffer.alloc(0);
    let pending;
    const settle = (outcome) => {
      const p = pending;
      pending = undefined;
      p?.(outcome);
    };
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffer.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
      if (buffer.length < end + 4 + length) return;
      buffer = buffer.subarray(end + 4 + length);
      settle({ status: statusOf(head), close: /\r\nconnection: *close/i.test(head) });
    });
    const onEnd = () => settle({ ended: true, partial: buffer.length > 0 });
    socket.on('close', onEnd).on('end', onEnd).on('error', onEnd);
    for (;;) {
      const result = await new Promise((resolve) => {
        pending = resolve;
        socket.write('GET / HTTP/1.1\r\nHost: load\r\n\r\n');
      });
      if (result.ended) {
        socket.destroy();
        if (result.partial) counts.cutMidResponse++;
        else if (served > 0) counts.resetBeforeAnswerOnReusedConnection++;
        else {
          counts.notAcceptedNewConnection++; // accepted by the kernel's backlog, reset when the listener closed
          return;
        }
        break;
      }
      served++;
      counts.completed++;
      if (result.status !== 200) counts.non200++;
      if (result.close) {
        counts.answeredWithConnectionClose++;
        break;
      }
    }
    socket.destroy();
  }
  counts.hitDeadline++;
}

async function sigterm() {
  const app = await AppProcess.start({ SHUTDOWN_TIMEOUT_MS: '10000' });
  const counts = {
    completed: 0, non200: 0, answeredWithConnectionClose: 0, cutMidResponse: 0,
    resetBeforeAnswerOnReusedConnection: 0, notAcceptedNewConnection: 0, refusedAtConnect: 0, hitDeadline: 0,
  };
  const deadline = Date.now() + 20_000;
  const clients = Array.from({ length: 64 }, () => keepAliveClient(app.port, counts, deadline));
  await sleep(3000);
  const before = counts.completed;
  const signalled = performance.now();
  app.child.kill('SIGTERM');
  await Promise.all(clients);
  const exit = await app.exited;
  const handled = app.logs.filter((l) => l.msg === 'request');
  return {
    scenario: 'sigterm',
    clients: 64,
    completedBeforeSignal: before,
    ...counts,
    requestsTheAppLogged: handled.length,
    appLoggedAborted: handled.filter((l) => l.aborted).length,
    exit,
    exitAfterMs: Math.round(performance.now() - signalled),
  };
}

async function oversized() {
  const app = await AppProcess.start();
  try {
    const before = await probe(app.port, 2000);
    const big = `GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${'b'.repeat(32 * 1024)}\r\n\r\n`;
    const statuses = {};
    let errors = 0;
    const flood = (async () => {
      for (let round = 0; round < 20; round++) {
        const results = await Promise.allSettled(Array.from({ length: 50 }, () => rawRequest(app.port, big)));
        for (const r of results) {
          if (r.status === 'rejected') errors++;
          else statuses[statusOf(r.value)] = (statuses[statusOf(r.value)] ?? 0) + 1;
        }
      }
    })();
    const during = await probe(app.port, 2000);
    await flood;
    return {
      scenario: 'oversized-headers',
      oversizedRequests: 1000,
      oversizedStatuses: statuses,
      oversizedErrors: errors,
      normalBeforeMs: before,
      normalDuringMs: during,
      p50Ratio: Math.round((during.p50 / before.p50) * 100) / 100,
      appRunning: app.child.exitCode === null,
    };
  } finally {
    await app.stop();
  }
}

const only = process.argv.slice(2);
for (const [name, run] of Object.entries({ slowloris, sigterm, oversized })) {
  if (only.length && !only.includes(name)) continue;
  process.stdout.write(`${JSON.stringify(await run())}\n`);
}

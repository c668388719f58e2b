// A tiny OTLP/HTTP sink for benchmarks: answers every POST with 200 and an empty body (an empty protobuf
// message is a valid Export*ServiceResponse; JSON requests get `{}`), and counts what it received.
// No dependencies. Loopback only.
//
// Usage: node bench/otlp-sink.mjs [PORT]   (0 or nothing: a free port)
// Prints `listening PORT` on stdout once ready. GET /stats returns the counts as JSON. On SIGTERM or SIGINT
// it prints the counts as one JSON line on stdout and exits 0.
import { createServer } from 'node:http';

const counts = { requests: 0, bytes: 0, byPath: {} };

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(counts));
    return;
  }
  let bytes = 0;
  req.on('data', (chunk) => (bytes += chunk.length));
  req.on('end', () => {
    counts.requests++;
    counts.bytes += bytes;
    counts.byPath[req.url] = (counts.byPath[req.url] ?? 0) + 1;
    const json = (req.headers['content-type'] ?? '').includes('json');
    const body = json ? '{}' : '';
    res.writeHead(200, {
      'Content-Type': json ? 'application/json' : 'application/x-protobuf',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

const stop = () => {
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// A tiny OTLP/HTTP sink for benchmarks: answers every POST with 200 and an empty body (an empty protobuf
// message is a valid Export*ServiceResponse; JSON requests get `{}`), and counts what it received: requests,
// bytes, and in protobuf exports the spans (/v1/traces) and log records (/v1/logs) they carry, so a benchmark can
// check that every request was traced and logged. No dependencies. Loopback only.
//
// Usage: node bench/otlp-sink.mjs [PORT]   (0 or nothing: a free port)
// Prints `listening PORT` on stdout once ready. GET /stats returns the counts as JSON. On SIGTERM or SIGINT
// it prints the counts as one JSON line on stdout and exits 0.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

const counts = { requests: 0, bytes: 0, byPath: {}, spans: 0, logRecords: 0 };

/** Yields [fieldNumber, value] of a protobuf message; value is a Buffer for length-delimited fields. */
function* fields(buf) {
  let at = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = buf[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  while (at < buf.length) {
    const key = varint();
    const type = key & 7;
    if (type === 0) varint();
    else if (type === 1) at += 8;
    else if (type === 5) at += 4;
    else if (type === 2) {
      const length = varint();
      yield [Math.floor(key / 8), buf.subarray(at, at + length)];
      at += length;
    } else throw new Error(`unsupported protobuf wire type ${type}`);
  }
}

// Export{Trace,Logs}ServiceRequest: 1 = Resource{Spans,Logs}, whose 2 = Scope{Spans,Logs}, whose 2 = each span or
// log record. The same shape for both signals.
function countItems(body) {
  let items = 0;
  for (const [resourceField, resource] of fields(body)) {
    if (resourceField !== 1) continue;
    for (const [scopeField, scope] of fields(resource)) {
      if (scopeField !== 2) continue;
      for (const [itemField] of fields(scope)) if (itemField === 2) items++;
    }
  }
  return items;
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(counts));
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    counts.requests++;
    counts.bytes += body.length;
    counts.byPath[req.url] = (counts.byPath[req.url] ?? 0) + 1;
    const json = (req.headers['content-type'] ?? '').includes('json');
    if (!json && req.url === '/v1/traces') counts.spans += countItems(body);
    if (!json && req.url === '/v1/logs') counts.logRecords += countItems(body);
    const reply = json ? '{}' : '';
    res.writeHead(200, {
      'Content-Type': json ? 'application/json' : 'application/x-protobuf',
      'Content-Length': Buffer.byteLength(reply),
    });
    res.end(reply);
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

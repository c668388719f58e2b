// A small JSON API behind the front door's /api prefix: the load balancer passes the full path (/api/...).
'use strict';
const http = require('node:http');

const port = Number(process.env.PORT || 5000);
let stopping = false;

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://localhost').pathname;
  if (path === '/health') {
    res.writeHead(stopping ? 503 : 200, { 'content-type': 'text/plain' }).end(stopping ? 'stopping' : 'ok');
  } else if (path === '/alive') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  } else if (path === '/api' || path.startsWith('/api/')) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service: 'api', path }));
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
});
server.keepAliveTimeout = 65_000;
server.listen(port, () => console.log(JSON.stringify({ msg: 'listening', port })));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    stopping = true;
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}

// The baseline for bench/http.sh and bench/soak.sh: a bare `node:http` hello-world. No routing, no logging,
// no telemetry, no security headers. Listens on 127.0.0.1:$PORT; exits 0 on SIGTERM (like node-app).
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('Hello World\n');
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

// A minimal app for the package-manager tests: it needs its one dependency installed, and tells how it was started.
import { createServer } from 'node:http';
import ms from 'ms';

const server = createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ status: 'healthy', script: process.env.npm_lifecycle_event ?? null, minute: ms(60_000) }));
});
server.listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => server.close(() => process.exit(0)));

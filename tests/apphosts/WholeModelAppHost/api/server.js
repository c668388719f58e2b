// The internal API of the test AppHost. It starts only when the Deployer gave it everything the model says: its
// port, the plain parameter, the secret parameter (from Secrets Manager on ECS) and the Redis connection (over
// Service Connect). It never prints a value it was given.
const http = require('node:http');

const required = ['PORT', 'GREETING', 'API_KEY', 'ConnectionStrings__cache'];
const missing = required.filter((name) => !process.env[name]);
if (missing.length > 0) {
  console.error(`api: missing ${missing.join(', ')}`);
  process.exit(2);
}

const server = http.createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  if (request.url === '/health') {
    response.end('{"status":"healthy"}');
    return;
  }

  response.end(JSON.stringify({ greeting: process.env.GREETING, cache: process.env.CACHE_HOST ?? null }));
});
server.listen(Number(process.env.PORT), () => console.log(`api listening on ${process.env.PORT}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// The benchmark's upstream: "hello world" over HTTP (keep-alive) and a websocket echo.
// Usage: node hello-service.mjs PORT
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 11 });
  res.end('hello world');
});
server.keepAliveTimeout = 60_000;
new WebSocketServer({ server }).on('connection', (ws) => ws.on('message', (m) => ws.send(m)));
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('ready'));

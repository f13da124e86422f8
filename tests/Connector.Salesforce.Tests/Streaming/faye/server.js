// A plain faye Bayeux server (no Salesforce extensions) for the C# streaming client's interop test.
// Mounted at /cometd/62.0 so the client needs no special endpoint; long-polls are held for a short time.
// Control endpoints (test only):
//   POST /control/publish?channel=/x   body: JSON data -> published to the channel by the server's own client
//   GET  /control/messages             -> every meta message the server received (to check what the client sent)
// Prints "faye listening on http://127.0.0.1:<port>" once ready; exits when stdin closes (the test process died).
'use strict';

const http = require('http');
const faye = require('faye');

const bayeux = new faye.NodeAdapter({ mount: '/cometd/62.0', timeout: 2 });
const received = [];
bayeux.addExtension({
  incoming(message, callback) {
    if (typeof message.channel === 'string' && message.channel.startsWith('/meta/')) {
      received.push(message);
    }
    callback(message);
  },
});

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/control/messages' && req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(received));
    return;
  }

  if (url.pathname === '/control/publish' && req.method === 'POST') {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const channel = url.searchParams.get('channel');
      bayeux.getClient().publish(channel, JSON.parse(body)).then(
        () => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"published":true}'); },
        (error) => { res.writeHead(500); res.end(String(error && error.message)); });
    });
    return;
  }

  res.writeHead(404);
  res.end();
});

bayeux.attach(server);
server.listen(0, '127.0.0.1', () => {
  console.log(`faye listening on http://127.0.0.1:${server.address().port}`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

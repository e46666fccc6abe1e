import {createServer, request} from 'node:http';
import {connect, type AddressInfo, type Socket} from 'node:net';
import type {Duplex} from 'node:stream';

export interface Proxy {
  port: number;
  /** Requests and WebSocket upgrades passed on, each with the header set. */
  forwarded: {requests: number; upgrades: number};
  close(): Promise<void>;
}

/**
 * A reverse proxy in front of a hub on `target` (a port on 127.0.0.1), as nginx would be: every
 * request and every WebSocket upgrade goes on with `X-Forwarded-For: forwardedFor`. A browser
 * cannot be made to send that header on a WebSocket upgrade itself (Chromium leaves extra headers
 * off it), so the visitor's address is set here, where a real deployment sets it.
 */
export async function forwardingProxy(target: number, forwardedFor: string): Promise<Proxy> {
  const sockets = new Set<Duplex>();
  const track = (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const forwarded = {requests: 0, upgrades: 0};
  const server = createServer((req, res) => {
    const headers = {...req.headers, 'x-forwarded-for': forwardedFor};
    const out = request({host: '127.0.0.1', port: target, method: req.method, path: req.url, headers, agent: false}, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.headersSent ? res.destroy() : res.writeHead(502).end());
    forwarded.requests++;
    req.pipe(out);
  });
  server.on('connection', track);
  server.on('upgrade', (req, socket, head) => {
    track(socket);
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i]!.toLowerCase() !== 'x-forwarded-for') lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    lines.push(`X-Forwarded-For: ${forwardedFor}`);
    const upstream: Socket = connect(target, '127.0.0.1', () => {
      forwarded.upgrades++;
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    track(upstream);
    upstream.on('close', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    forwarded,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

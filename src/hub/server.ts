import {createServer, type IncomingMessage, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {Duplex} from 'node:stream';
import {WebSocketServer} from 'ws';
import {MAX_FRAME_BYTES, parseEventsSearch, PROTOCOL_VERSION} from '../protocol/index.js';
import {newApiKey, removeApiFile, writeApiFile} from '../admin/api-file.js';
import {VERSION} from '../lib/version.js';
import {AdminApi} from './admin-api.js';
import {clientIp} from './client-ip.js';
import {armAfterRestart} from './chat-end.js';
import {startRetention} from './retention.js';
import {CloseCode, socketOf} from './conn.js';
import {Hub, type HubOptions} from './hub.js';
import {startHeartbeat} from './heartbeat.js';
import {serveHttp} from './http-routes.js';
import {authenticateOperator} from './operator-auth.js';
import {attachOperator} from './operator-socket.js';
import {originAllowed} from '../lib/origins.js';
import {attachVisitor} from './visitor-socket.js';

export interface ServerOptions extends HubOptions {
  host?: string;
  port?: number;
  /** Believe X-Forwarded-For (only behind a reverse proxy that sets it). */
  trustProxy?: boolean;
  /** How often sockets are pinged; one that has not answered the previous ping is dropped. */
  heartbeatMs?: number;
  /** Redis, shared with the other hubs on the same store (see src/cluster/). */
  redis?: string;
  /** How often this hub tells the others it is alive (it is taken for dead after 5 periods). */
  clusterBeatMs?: number;
}

export interface RunningHub {
  hub: Hub;
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

function refuse(socket: Duplex, status: number, reason: string, body = reason, retryAfterS?: number): void {
  const retry = retryAfterS === undefined ? '' : `Retry-After: ${retryAfterS}\r\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${retry}Content-Type: text/plain\r\n\r\n${body}\n`);
}

/** Starts a hub: HTTP routes plus the WebSocket endpoints, authenticated before upgrade. */
export async function startHub(options: ServerOptions): Promise<RunningHub> {
  const hub = new Hub(options);
  await hub.load();
  if (options.redis) {
    const {startCluster} = await import('../cluster/cluster.js');
    hub.cluster = await startCluster(hub, {redisUrl: options.redis, beatMs: options.clusterBeatMs});
  }
  armAfterRestart(hub);
  startRetention(hub);
  const trustProxy = options.trustProxy ?? false;
  const wss = new WebSocketServer({noServer: true, maxPayload: MAX_FRAME_BYTES});
  wss.on('error', (error) => hub.log(`websocket server: ${error.message}`));
  wss.on('connection', (ws, req: IncomingMessage) => socketOf.set(ws, req.socket));
  const stopHeartbeat = startHeartbeat(wss, options.heartbeatMs ?? 30_000);
  const key = newApiKey();
  let localUrl = '';
  const admin = new AdminApi(hub, key, () => localUrl, trustProxy);
  const server = createServer((req, res) => {
    serveHttp(hub, req, res, admin).catch((error: unknown) => {
      hub.log(`http ${req.url}: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500).end('internal error\n');
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((error: unknown) => {
      hub.log(`upgrade: ${String(error)}`);
      refuse(socket, 500, 'Internal Server Error');
    });
  });

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Without Redis this hub cannot reach the others' sockets: new ones go to a hub that can
    // (the load balancer's health check sees the same); the ones it has keep working.
    if (hub.cluster?.health() === 'down') return refuse(socket, 503, 'Service Unavailable', 'this hub has lost Redis; try again', 1);
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const ip = clientIp(req, trustProxy);
    const userAgent = String(req.headers['user-agent'] ?? '');
    if (url.pathname === '/ws/visitor') {
      const site = hub.sessions.findSite(url.searchParams.get('site') ?? '');
      if (!site) return refuse(socket, 404, 'Unknown Site');
      if (!originAllowed(site, req.headers.origin)) return refuse(socket, 403, 'Forbidden Origin');
      wss.handleUpgrade(req, socket, head, (ws) => {
        wss.emit('connection', ws, req);
        attachVisitor(hub, ws, site, ip, userAgent);
      });
      return;
    }
    if (url.pathname === '/ws/operator' || url.pathname === '/ws/events') {
      // A browser always sends Origin; the operator client never does. Refusing any Origin
      // stops a web page from hijacking an operator's credentials (CSWSH).
      if (req.headers.origin !== undefined) return refuse(socket, 403, 'Forbidden Origin');
      const auth = await authenticateOperator(hub, req.headers, ip);
      if (!auth.ok) return refuse(socket, auth.status, auth.reason, auth.reason, auth.retryAfterS);
      const name = auth.op.name;
      if (url.pathname === '/ws/operator') {
        wss.handleUpgrade(req, socket, head, (ws) => {
          wss.emit('connection', ws, req);
          attachOperator(hub, ws, name, auth.credential, ip, userAgent);
        });
        return;
      }
      // The feed: the query says from where and what (see eventsQuery).
      const query = parseEventsSearch(url.searchParams);
      if (!query.ok) return refuse(socket, 400, 'Bad Request', query.error);
      if ((query.value.v ?? PROTOCOL_VERSION) !== PROTOCOL_VERSION) return refuse(socket, 400, 'Bad Request', `protocol ${PROTOCOL_VERSION} required`);
      wss.handleUpgrade(req, socket, head, (ws) => {
        wss.emit('connection', ws, req);
        void hub.followers.follow(ws, name, query.value);
      });
      return;
    }
    refuse(socket, 404, 'Not Found');
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A deep accept queue: after a restart every visitor reconnects within moments, and
      // connections dropped at a full queue wait seconds for the kernel to retry them.
      server.listen({port: options.port ?? 8080, host: options.host ?? '127.0.0.1', backlog: 8192}, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Leave nothing behind (file watchers, the data folder's lock) so the process can exit.
    stopHeartbeat();
    hub.stop();
    await hub.cluster?.stop();
    await hub.store.close();
    await hub.unlock();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`${options.host ?? '127.0.0.1'}:${options.port ?? 8080} is already in use: stop what uses it or pass --port`);
    throw error;
  }
  server.on('error', (error) => hub.log(`http server: ${error.message}`));
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  // The CLI on this machine reaches a hub listening on every address through loopback.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  localUrl = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  if (hub.ownsFolder) await writeApiFile(options.dataDir, {pid: process.pid, url: localUrl, key, version: VERSION});
  return {
    hub,
    server,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async close() {
      stopHeartbeat();
      hub.stop();
      for (const ws of wss.clients) ws.close(CloseCode.shutdown, 'hub shutting down');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (hub.ownsFolder) await removeApiFile(options.dataDir);
      await hub.cluster?.stop();
      await hub.store.close();
      await hub.unlock();
    },
  };
}

import {createHash} from 'node:crypto';
import {readFile, stat} from 'node:fs/promises';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {fileURLToPath} from 'node:url';
import {brotliCompressSync, gzipSync} from 'node:zlib';
import type {AdminApi} from './admin-api.js';
import type {Hub} from './hub.js';

/** The package folder: both src/hub and dist/hub sit two levels below it. */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

interface Asset {
  mtime: number;
  body: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  etag: string;
}

const assets = new Map<string, Asset>();

async function asset(file: string): Promise<Asset | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const cached = assets.get(file);
  if (cached && cached.mtime === info.mtimeMs) return cached;
  const body = await readFile(file);
  const fresh = {
    mtime: info.mtimeMs,
    body,
    gzip: gzipSync(body, {level: 9}),
    brotli: brotliCompressSync(body),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
  assets.set(file, fresh);
  return fresh;
}

const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

async function sendAsset(req: IncomingMessage, res: ServerResponse, file: string, cache: string): Promise<boolean> {
  const found = await asset(file);
  if (!found) return false;
  const ext = /\.[a-z]+$/.exec(file)?.[0] ?? '';
  const headers: Record<string, string> = {
    'Content-Type': types[ext] ?? 'application/octet-stream',
    'Cache-Control': cache,
    ETag: found.etag,
    Vary: 'Accept-Encoding',
    'X-Content-Type-Options': 'nosniff',
  };
  if (req.headers['if-none-match'] === found.etag) {
    res.writeHead(304, headers).end();
    return true;
  }
  const accepts = String(req.headers['accept-encoding'] ?? '');
  let body = found.body;
  if (/\bbr\b/.test(accepts)) {
    body = found.brotli;
    headers['Content-Encoding'] = 'br';
  } else if (/\bgzip\b/.test(accepts)) {
    body = found.gzip;
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = String(body.length);
  res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
  return true;
}

const demoPages: Record<string, string> = {
  '/demo/': 'index.html',
  '/demo/index.html': 'index.html',
  '/demo/product.htm': 'product.htm',
  '/demo/order.htm': 'order.htm',
};

export async function serveHttp(hub: Hub, req: IncomingMessage, res: ServerResponse, admin?: AdminApi): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://hub.invalid').pathname;
  if (admin && path.startsWith('/api/admin/')) return admin.serve(req, res, path.slice('/api/admin/'.length));
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, {Allow: 'GET, HEAD'}).end('method not allowed\n');
    return;
  }
  if (path === '/healthz') {
    const health = await hub.health();
    const body = JSON.stringify({...health, operators: hub.sessions.operatorConns.size, visitors: hub.sessions.visitors.size});
    res.writeHead(health.ok ? 200 : 503, {'Content-Type': 'application/json', 'Cache-Control': 'no-store'}).end(body);
    return;
  }
  if (path === '/widget.js') {
    // Short max-age with revalidation: a new widget reaches sites within minutes, and the ETag
    // makes the check cheap.
    if (await sendAsset(req, res, `${packageRoot}dist/widget.js`, 'public, max-age=300, must-revalidate')) return;
    res.writeHead(503, {'Content-Type': 'text/plain'}).end('widget not built: run npm run build\n');
    return;
  }
  if (path === '/demo') {
    res.writeHead(302, {Location: '/demo/'}).end();
    return;
  }
  const page = demoPages[path];
  if (page && (await sendAsset(req, res, `${packageRoot}demo/${page}`, 'no-cache'))) return;
  if (path === '/') {
    res.writeHead(200, {'Content-Type': 'text/plain; charset=utf-8'}).end('cac hub: see /demo/ and /healthz\n');
    return;
  }
  res.writeHead(404, {'Content-Type': 'text/plain'}).end('not found\n');
}

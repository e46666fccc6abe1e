import type {IncomingMessage} from 'node:http';

/**
 * The address a request came from: behind a proxy trusted with --trust-proxy, the first
 * X-Forwarded-For entry (the socket's address is the proxy's, shared by everyone), else the socket's.
 * Every per-address limit (sign-in failures included) must count by this.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxy && typeof forwarded === 'string') return forwarded.split(',')[0]!.trim();
  return req.socket.remoteAddress ?? '';
}

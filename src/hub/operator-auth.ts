import type {IncomingHttpHeaders} from 'node:http';
import {sha256, sameHash, verifyToken} from '../lib/secrets.js';
import {parseToken, secretMatches} from '../lib/tokens.js';
import type {OperatorRecord} from '../store/types.js';
import {addressKey} from './address-key.js';
import type {Hub} from './hub.js';

export type AuthResult =
  | {ok: true; op: OperatorRecord; credential: string}
  | {ok: false; status: 401 | 429; reason: string; retryAfterS?: number};

/**
 * What a socket's session rests on: the token (its id, or for an older token its salt), the
 * sites and the role. When any of these changes, every socket opened with the old one closes.
 */
export function credentialOf(op: OperatorRecord): string {
  return `${op.tokenId ?? op.salt ?? ''}|${op.role}|${[...op.sites].sort().join(',')}`;
}

function bearer(headers: IncomingHttpHeaders): string {
  return /^Bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1] ?? '';
}

/**
 * Checks an operator's credentials (`Authorization: Bearer TOKEN`, and `X-Cac-Operator: NAME`,
 * which a token of the current form does not need but must agree with). A token of the current
 * form costs one SHA-256; an older one is checked with its scrypt hash once, then stored in the
 * current way. An address (an IPv6 one by its /64) or, for the older tokens, an operator name
 * that keeps failing is refused with 429 before anything is hashed.
 */
export async function authenticateOperator(hub: Hub, headers: IncomingHttpHeaders, from: string): Promise<AuthResult> {
  const limits = hub.authLimits;
  const ip = addressKey(from);
  const wait = await limits.blockedFor(`ip:${ip}`);
  if (wait > 0) return {ok: false, status: 429, reason: 'Too Many Requests', retryAfterS: Math.ceil(wait / 1000)};
  const token = bearer(headers);
  const named = headers['x-cac-operator'] === undefined ? '' : String(headers['x-cac-operator']);
  // Counted before the answer goes out: with several hubs, the next attempt may land on another.
  const refused = async (): Promise<AuthResult> => {
    await limits.failed(ip, named);
    return {ok: false, status: 401, reason: 'Unauthorized'};
  };
  const parsed = parseToken(token);
  if (parsed) {
    const op = hub.sessions.byTokenId(parsed.id);
    if (!op?.tokenHash || !secretMatches(parsed.secret, op.tokenHash) || (named && named !== op.name)) return refused();
    void limits.succeeded(ip);
    return {ok: true, op, credential: credentialOf(op)};
  }
  const op = hub.sessions.operators.get(named);
  if (!op || !token) return refused();
  if (op.tokenHash && !op.tokenId) {
    if (!sameHash(sha256(token), op.tokenHash)) return refused();
    void limits.succeeded(ip);
    return {ok: true, op, credential: credentialOf(op)};
  }
  if (!op.salt || !op.hash) return refused();
  // The slow check of an older token: once per operator name at a time, and never for a name
  // that keeps failing.
  const opWait = await limits.blockedFor(`op:${named}`);
  if (opWait > 0) return {ok: false, status: 429, reason: 'Too Many Requests', retryAfterS: Math.ceil(opWait / 1000)};
  const good = await verifyToken(token, op.salt, op.hash);
  const now = hub.sessions.operators.get(named);
  // Revoked while the hash was being checked: the token it was checked against is gone.
  if (!good || !now || credentialOf(now) !== credentialOf(op)) return refused();
  void limits.succeeded(ip);
  await hub.upgradeToken(named, sha256(token)).catch((error: unknown) => hub.log(`token of ${named} not upgraded: ${String(error)}`));
  return {ok: true, op: now, credential: credentialOf(now)};
}

import {randomBytes} from 'node:crypto';
import {sameHash, sha256} from './secrets.js';

/*
 * Operator login tokens: `cac_<id>_<secret>`. The id finds the operator without trying every
 * one; the secret is 256 random bits, so a fast hash (SHA-256) compared in constant time is as
 * safe as a password KDF would be and costs microseconds, so refusing a wrong one costs the hub
 * nothing. Only the id and the secret's hash are stored.
 */

const shape = /^cac_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewToken {
  token: string;
  tokenId: string;
  tokenHash: string;
}

export function newToken(): NewToken {
  const tokenId = [...randomBytes(12)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  const secret = randomBytes(32).toString('base64url');
  return {token: `cac_${tokenId}_${secret}`, tokenId, tokenHash: sha256(secret)};
}

/** The id and secret of a token of this form, or undefined for anything else (an older token). */
export function parseToken(token: string): {id: string; secret: string} | undefined {
  const m = shape.exec(token);
  return m ? {id: m[1]!, secret: m[2]!} : undefined;
}

export function secretMatches(secret: string, tokenHash: string): boolean {
  return sameHash(sha256(secret), tokenHash);
}

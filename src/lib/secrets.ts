import {createHash, randomBytes, scrypt, timingSafeEqual} from 'node:crypto';
import {promisify} from 'node:util';

const scryptAsync = promisify(scrypt) as (p: string, s: Buffer, n: number) => Promise<Buffer>;

/**
 * 128 random bits, URL- and filename-safe: visitor, block, visit and canned response ids. Never
 * starting with `-` or `_`: an id is typed after a command (`cac blocks remove ID`), where a
 * leading dash reads as an option.
 */
export function randomId(): string {
  const id = randomBytes(16).toString('base64url');
  return id[0] === '-' || id[0] === '_' ? `${'abcdefghijklmnopqrstuvwxyz'[id.charCodeAt(1) % 26]}${id.slice(1)}` : id;
}

/**
 * A chat id: its start time (so ids sort by age, and a data folder lists them in order), then
 * 96 random bits.
 */
export function chatIdAt(now: number): string {
  return `${Math.max(0, Math.floor(now)).toString(36).padStart(9, '0')}-${randomBytes(12).toString('base64url')}`;
}

/** 256 random bits: login tokens and visitor resume secrets. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

export async function hashToken(token: string): Promise<{salt: string; hash: string}> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(token, salt, 32);
  return {salt: salt.toString('base64url'), hash: hash.toString('base64url')};
}

export async function verifyToken(token: string, salt: string, hash: string): Promise<boolean> {
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(token, Buffer.from(salt, 'base64url'), 32);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Constant-time comparison of two secrets already reduced to hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

import t from 'tap';
import {connectRedis, whenUp, type RedisLink} from '../src/cluster/redis.js';
import {SharedDeadlines} from '../src/cluster/shared-deadlines.js';
import type {Deadline} from '../src/protocol/cluster.js';
import {noRedis, redisCommand, startRedis} from './helpers/redis.js';
import {waitUntil} from './helpers/wait.js';

/*
 * A deadline taken by a hub that dies before it has fired it (or whose firing fails) is fired
 * by another hub once the taker's lease has run out; one fired to the end is never fired again.
 */

const missing = noRedis();
if (missing) {
  t.test('deadline leases', {skip: missing}, () => {});
} else {
  const redis = await startRedis(t);
  const LEASE_MS = 1000;

  /** A hub's board of shared deadlines, on a Redis link of its own; `fire` does its work. */
  const board = async (t: {teardown(fn: () => unknown): void}, fire: (d: Deadline) => Promise<void>) => {
    const link: RedisLink = connectRedis(redis.url, () => {});
    t.teardown(() => link.close());
    if (!(await whenUp(link, 5000))) throw new Error('redis does not answer');
    const lines: string[] = [];
    const b = new SharedDeadlines(link, Date.now, fire, (line) => lines.push(line), () => {}, 50, LEASE_MS);
    t.teardown(() => b.stop());
    return {board: b, lines};
  };
  const inRedis = async () => ({
    due: (await redisCommand(redis.port, 'ZRANGE', 'cac:deadlines', '0', '-1')) as string[],
    taken: (await redisCommand(redis.port, 'ZRANGE', 'cac:deadlines-taken', '0', '-1')) as string[],
    data: (await redisCommand(redis.port, 'HKEYS', 'cac:deadline-data')) as string[],
  });

  t.beforeEach(async () => {
    await redisCommand(redis.port, 'FLUSHALL');
  });

  t.test('a hub killed after taking a deadline: another hub fires it when the lease runs out', async (t) => {
    const d: Deadline = {kind: 'visitor', visitorId: 'v1', site: 'example.com'};
    let taken = 0;
    // Hub A takes it and never finishes: the process died in the middle of the work.
    const a = await board(t, () => {
      taken++;
      return new Promise(() => {});
    });
    a.board.set(d, Date.now());
    a.board.start();
    await waitUntil('hub A took the deadline', () => taken === 1);
    a.board.stop();
    t.same(await inRedis(), {due: [], taken: ['visitor:v1'], data: ['visitor:v1']}, 'taken, and what it is still in Redis');

    const fired: Deadline[] = [];
    const b = await board(t, async (x) => void fired.push(x));
    b.board.start();
    await waitUntil('hub B fired it', () => fired.length === 1, 10);
    t.same(fired, [d], 'hub B fired the deadline hub A took');
    t.match(b.lines.join('\n'), /visitor:v1: its hub did not finish firing it, due again/, 'and said why');
    await waitUntil('nothing left in Redis', async () => JSON.stringify(await inRedis()) === JSON.stringify({due: [], taken: [], data: []}));
    // Two leases more: it stays done.
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
    t.equal(fired.length, 1, 'fired once by hub B');
  });

  t.test('a firing that fails is fired again; one that succeeds is not', async (t) => {
    const d: Deadline = {kind: 'offer', chatId: 'c1'};
    const e: Deadline = {kind: 'operator', operator: 'bob'};
    const tries: string[] = [];
    const a = await board(t, async (x) => {
      tries.push(x.kind);
      // The store was down at the first try of the offer's expiry.
      if (x.kind === 'offer' && tries.filter((k) => k === 'offer').length === 1) throw new Error('store down');
    });
    a.board.set(d, Date.now());
    a.board.set(e, Date.now());
    a.board.start();
    await waitUntil('the offer tried twice', () => tries.filter((k) => k === 'offer').length === 2, 10);
    await waitUntil('nothing left in Redis', async () => JSON.stringify(await inRedis()) === JSON.stringify({due: [], taken: [], data: []}));
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
    t.same(tries.sort(), ['offer', 'offer', 'operator'], 'the failed one again after its lease, the other once');
  });

  t.test('set again while being fired: the new deadline stays due; cancelled while taken: not fired again', async (t) => {
    const d: Deadline = {kind: 'visitor', visitorId: 'v2', site: 'example.com'};
    let release: () => void = () => {};
    let fired = 0;
    const a = await board(t, () => {
      fired++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    a.board.set(d, Date.now());
    a.board.start();
    await waitUntil('taken', () => fired === 1);
    // A new grace period for the same visitor (a new socket came and went) while the old one fires.
    const later = Date.now() + 60_000;
    a.board.set(d, later);
    release();
    await waitUntil('the first firing done', async () => (await inRedis()).taken.length === 0);
    t.same(await inRedis(), {due: ['visitor:v2'], taken: [], data: ['visitor:v2']}, 'the new deadline and what it is are kept');

    const v3: Deadline = {kind: 'visitor', visitorId: 'v3', site: 'example.com'};
    a.board.set(v3, Date.now());
    await waitUntil('v3 taken', () => fired === 2);
    a.board.stop();
    a.board.cancel(v3);
    await waitUntil('cancelled', async () => !(await inRedis()).taken.includes('visitor:v3'));
    let again = 0;
    const b = await board(t, async () => void again++);
    b.board.start();
    await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
    t.equal(again, 0, 'no hub fires the cancelled one when the lease runs out');
  });
}

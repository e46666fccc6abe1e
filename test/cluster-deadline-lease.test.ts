import t from 'tap';
import {connectRedis, whenUp, type RedisLink} from '../src/cluster/redis.js';
import {DeadlineScripts} from '../src/cluster/deadline-scripts.js';
import {SharedDeadlines} from '../src/cluster/shared-deadlines.js';
import type {Deadline} from '../src/protocol/cluster.js';
import {noRedis, redisCommand, startRedis} from './helpers/redis.js';
import {waitUntil} from './helpers/wait.js';

/*
 * A deadline taken by a hub that dies before it has fired it is fired by another hub once the
 * taker's lease has run out; one whose firing fails is fired again; one fired to the end, or
 * still being fired past its lease on a live hub, is not.
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
    return {board: b, lines, link};
  };
  /** A hub whose firings wait until `release()` (never, for one that dies in the middle); `fired()` counts them. */
  const heldBoard = async (t: {teardown(fn: () => unknown): void}) => {
    let fired = 0;
    let release: () => void = () => {};
    const held = await board(t, () => {
      fired++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    return {...held, fired: () => fired, release: () => release()};
  };
  const inRedis = async () => ({
    due: (await redisCommand(redis.port, 'ZRANGE', 'cac:deadlines', '0', '-1')) as string[],
    taken: (await redisCommand(redis.port, 'ZRANGE', 'cac:deadlines-taken', '0', '-1')) as string[],
    data: (await redisCommand(redis.port, 'HKEYS', 'cac:deadline-data')) as string[],
  });
  const empty = async () => JSON.stringify(await inRedis()) === JSON.stringify({due: [], taken: [], data: []});

  t.beforeEach(async () => {
    await redisCommand(redis.port, 'FLUSHALL');
  });

  t.test('a hub killed after taking a deadline: another hub fires it when the lease runs out', async (t) => {
    const d: Deadline = {kind: 'visitor', visitorId: 'v1', site: 'example.com'};
    // Hub A takes it and never finishes: the process died in the middle of the work.
    const a = await heldBoard(t);
    a.board.set(d, Date.now());
    a.board.start();
    await waitUntil('hub A took the deadline', () => a.fired() === 1);
    a.board.stop();
    t.same(await inRedis(), {due: [], taken: ['visitor:v1'], data: ['visitor:v1']}, 'taken, and what it is still in Redis');

    const fired: Deadline[] = [];
    const b = await board(t, async (x) => void fired.push(x));
    b.board.start();
    await waitUntil('hub B fired it', () => fired.length === 1, 10);
    t.same(fired, [d], 'hub B fired the deadline hub A took');
    t.match(b.lines.join('\n'), /visitor:v1: the hub that took it did not finish firing it, due again/, 'and said why');
    await waitUntil('nothing left in Redis', empty);
    // Two leases more: it stays done.
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
    t.equal(fired.length, 1, 'fired once by hub B');
  });

  t.test('a firing that fails is fired again, even when it cancelled its deadline first; one that succeeds is not', async (t) => {
    const d: Deadline = {kind: 'offer', chatId: 'c1'};
    const e: Deadline = {kind: 'operator', operator: 'bob'};
    const tries: string[] = [];
    const a = await board(t, async (x) => {
      tries.push(x.kind);
      if (x.kind !== 'offer' || tries.filter((k) => k === 'offer').length > 1) return;
      // As settling a transfer does: the deadline cancelled, then the change refused (the store away).
      a.board.cancel(x);
      throw new Error('store down');
    });
    a.board.set(d, Date.now());
    a.board.set(e, Date.now());
    a.board.start();
    await waitUntil('the offer tried twice', () => tries.filter((k) => k === 'offer').length === 2, 10);
    t.match(a.lines.join('\n'), /offer:c1: not done, tried again in 2 s/, 'said when it would be tried again');
    await waitUntil('nothing left in Redis', empty);
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
    t.same(tries.sort(), ['offer', 'offer', 'operator'], 'the failed one again, the other once');
  });

  t.test('a firing that outlasts its lease on a live hub is not fired again; a late word from it leaves a newer taking alone', async (t) => {
    const d: Deadline = {kind: 'operator', operator: 'carol'};
    const a = await heldBoard(t);
    let firedB = 0;
    const b = await board(t, async () => void firedB++);
    a.board.set(d, Date.now());
    a.board.start();
    await waitUntil('hub A took it', () => a.fired() === 1);
    b.board.start();
    // Three leases long: hub A renews its lease while it fires.
    await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
    t.equal(firedB, 0, 'hub B did not take it meanwhile');
    a.release();
    await waitUntil('done', empty);
    t.equal(a.fired() + firedB, 1, 'fired once in all');

    // A word of done from a taking that no longer holds the deadline changes nothing.
    const scripts = new DeadlineScripts(a.link);
    const e: Deadline = {kind: 'offer', chatId: 'c9'};
    b.board.stop();
    a.board.stop();
    await redisCommand(redis.port, 'ZADD', 'cac:deadlines', '1', 'offer:c9');
    await redisCommand(redis.port, 'HSET', 'cac:deadline-data', 'offer:c9', JSON.stringify(e));
    t.ok(await scripts.take('offer:c9', Date.now(), Date.now() + 60_000, 'new'), 'taken by a newer taking');
    await scripts.done('offer:c9', 'old');
    t.same(await inRedis(), {due: [], taken: ['offer:c9'], data: ['offer:c9']}, 'still taken, what it is kept');
    await scripts.giveBack('offer:c9', 'old', 1);
    t.same((await inRedis()).taken, ['offer:c9'], 'nor is it given back by the older one');
    t.equal(await scripts.take('offer:c9', Date.now(), Date.now() + 60_000, 'other'), undefined, 'nor taken twice');
    await redisCommand(redis.port, 'ZADD', 'cac:deadlines', String(Date.now() + 60_000), 'offer:c8');
    t.equal(await scripts.take('offer:c8', Date.now(), Date.now() + 60_000, 'x'), undefined, 'one due later (set again since it was listed) is not taken');
  });

  t.test('Redis restarted empty while a hub fires a deadline: written back, it is fired again when that firing fails', async (t) => {
    const d: Deadline = {kind: 'offer', chatId: 'c5'};
    let fail: (e: Error) => void = () => {};
    const a = await board(t, () => new Promise<void>((_, reject) => (fail = reject)));
    a.board.set(d, Date.now());
    a.board.start();
    await waitUntil('taken', async () => (await inRedis()).taken.includes('offer:c5'));
    await redis.restart();
    await waitUntil('hub A reaches Redis again', () => a.link.up());
    t.same(await inRedis(), {due: [], taken: [], data: []}, 'Redis came back empty');
    a.board.restore(); // as the cluster does when Redis is back
    await waitUntil('written back as taken', async () => (await inRedis()).taken.includes('offer:c5'));
    fail(new Error('store down'));
    const fired: Deadline[] = [];
    const b = await board(t, async (x) => void fired.push(x));
    a.board.stop();
    b.board.start();
    await waitUntil('hub B fired it', () => fired.length === 1, 10);
    t.same(fired, [d], 'fired again, on hub B');
  });

  t.test('after Redis comes back with its data, the hub that set a deadline does not set it again while another hub fires it', async (t) => {
    const d: Deadline = {kind: 'visitor', visitorId: 'v7', site: 'example.com'};
    const setter = await board(t, async () => {});
    const firer = await heldBoard(t);
    setter.board.set(d, Date.now());
    firer.board.start();
    await waitUntil('taken by the other hub', () => firer.fired() === 1);
    // The setter missed the other hub's word that it fired it (its link to the bus was down).
    setter.board.restore();
    await new Promise((r) => setTimeout(r, 300));
    t.same(await inRedis(), {due: [], taken: ['visitor:v7'], data: ['visitor:v7']}, 'not due again');
    firer.release();
    await waitUntil('done', empty);
    setter.board.start();
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
    t.equal(firer.fired(), 1, 'fired once');
  });

  t.test('set again while being fired: the new deadline stays due; cancelled while taken: not fired again', async (t) => {
    const d: Deadline = {kind: 'visitor', visitorId: 'v2', site: 'example.com'};
    const a = await heldBoard(t);
    a.board.set(d, Date.now());
    a.board.start();
    await waitUntil('taken', () => a.fired() === 1);
    // A new grace period for the same visitor (a new socket came and went) while the old one fires.
    const later = Date.now() + 60_000;
    a.board.set(d, later);
    a.release();
    await waitUntil('the first firing done', async () => (await inRedis()).taken.length === 0);
    t.same(await inRedis(), {due: ['visitor:v2'], taken: [], data: ['visitor:v2']}, 'the new deadline and what it is are kept');

    const v3: Deadline = {kind: 'visitor', visitorId: 'v3', site: 'example.com'};
    a.board.set(v3, Date.now());
    await waitUntil('v3 taken', () => a.fired() === 2);
    a.board.stop();
    // The visitor came back through hub B while hub A was firing its leaving, and hub A died.
    let again = 0;
    const b = await board(t, async () => void again++);
    b.board.cancel(v3);
    await waitUntil('cancelled', async () => !(await inRedis()).taken.includes('visitor:v3'));
    b.board.start();
    await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
    t.equal(again, 0, 'no hub fires the cancelled one when the lease runs out');
  });
}

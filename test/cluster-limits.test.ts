import t from 'tap';
import {Budgets} from '../src/hub/abuse.js';
import {AuthLimits} from '../src/hub/auth-limits.js';
import {connectRedis, whenUp} from '../src/cluster/redis.js';
import {LimitAsker, SharedAuthLimits, SharedRates} from '../src/cluster/shared-limits.js';
import {startCluster} from './helpers/cluster.js';
import {noPostgres, testPostgres} from './helpers/postgres.js';
import {noRedis, startRedis} from './helpers/redis.js';
import {operatorUpgrade} from './helpers/upgrade.js';

/*
 * Behind a load balancer an address's attempts land on any hub: its budgets and its failed
 * sign-ins are counted for all the hubs at once (in Redis), so three hubs give it no more than
 * one would. Redis out of reach leaves each hub's own counts in charge.
 */

const missingRedis = noRedis();
if (missingRedis) {
  t.test('limits shared between hubs', {skip: missingRedis}, () => {});
} else {
  const redis = await startRedis(t);

  /** Two hubs' worth of counters on one Redis, on one clock the test moves. */
  const pair = async (t: {teardown(fn: () => unknown): void; ok(value: unknown, message: string): void}) => {
    const clock = {now: 1_800_000_000_000};
    const now = () => clock.now;
    const logs: string[] = [];
    const side = async (id: string) => {
      const link = connectRedis(redis.url, (line) => logs.push(line));
      t.teardown(() => link.close());
      t.ok(await whenUp(link, 5000), `redis answers ${id}`);
      const budgets = new Budgets(now);
      const auth = new AuthLimits(now, () => {});
      const asker = new LimitAsker(link, now, id, (l) => logs.push(l));
      return {link, budgets, auth, rates: new SharedRates(asker, budgets), guard: new SharedAuthLimits(asker, auth)};
    };
    return {clock, logs, a: await side(`a-${Math.random()}`), b: await side(`b-${Math.random()}`)};
  };

  t.test('a budget spent on two hubs is one budget; it comes back as the window slides', async (t) => {
    const {clock, a, b} = await pair(t);
    const key = `identities-per-minute|example.com|203.0.113.${Math.floor(Math.random() * 250)}`;
    t.same([await a.rates.take(key, 3, 60_000), await b.rates.take(key, 3, 60_000), await a.rates.take(key, 3, 60_000)], [true, true, true]);
    t.equal(await b.rates.take(key, 3, 60_000), false, 'the fourth, on the hub that took one, is refused');
    t.equal(await a.rates.take(key, 3, 60_000), false, 'and on the other');
    t.equal(await a.rates.take(`identities-per-minute|other.example|${key.split('|')[2]}`, 3, 60_000), true, 'the same address on another site has its own budget');
    clock.now += 60_000;
    t.equal(await b.rates.take(key, 3, 60_000), true, 'a minute on, the first hits have left the window');
  });

  t.test('failed sign-ins on two hubs add up: past three in a second the address is refused on both, for twice as long the next time', async (t) => {
    const {clock, a, b} = await pair(t);
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    await a.guard.failed(ip, 'alice');
    await b.guard.failed(ip, 'alice');
    await a.guard.failed(ip, 'alice');
    t.equal(await b.guard.blockedFor(`ip:${ip}`), 0, 'three failures are let through');
    await b.guard.failed(ip, 'alice');
    t.equal(await a.guard.blockedFor(`ip:${ip}`), 1000, 'the fourth, on either hub, blocks the address on the other for a second');
    t.equal(await a.guard.blockedFor(`op:alice`), 1000, 'and the operator name');
    t.equal(a.auth.blockedFor(`ip:${ip}`), 0, 'counted on hub A alone it would not be blocked (two failures there)');
    clock.now += 1000;
    t.equal(await b.guard.blockedFor(`ip:${ip}`), 0, 'free again after it');
    for (const side of [a, b, a, b]) await side.guard.failed(ip, '');
    t.equal(await b.guard.blockedFor(`ip:${ip}`), 2000, 'a second burst: two seconds');
    await a.guard.succeeded(ip);
    t.equal(await b.guard.blockedFor(`ip:${ip}`), 0, 'a good sign-in clears the address for every hub');
  });

  t.test('Redis gone: each hub counts alone, with the hits Redis had counted', async (t) => {
    const {a, b} = await pair(t);
    const key = `requests-per-minute|example.com|192.0.2.${Math.floor(Math.random() * 250)}`;
    t.equal(await a.rates.take(key, 3, 60_000), true);
    t.equal(await a.rates.take(key, 3, 60_000), true);
    t.equal(await b.rates.take(key, 3, 60_000), true);
    await redis.stop();
    t.teardown(async () => {
      await redis.start();
    });
    t.equal(await a.rates.take(key, 3, 60_000), true, 'hub A, alone, has two of three taken');
    t.equal(await a.rates.take(key, 3, 60_000), false, 'and now none');
    t.equal(await b.rates.take(key, 3, 60_000), true, 'hub B, alone, had one');
    for (let i = 0; i < 4; i++) await a.guard.failed('192.0.2.1', '');
    t.equal(await a.guard.blockedFor('ip:192.0.2.1'), 1000, "sign-ins: four failures on hub A block the address there by the hub's own count");
    t.equal(await b.guard.blockedFor('ip:192.0.2.1'), 0, 'and not on hub B, which saw none');
  });

  t.test('Redis stalled: after a second without an answer the hub counts alone, and asks Redis again only now and then', async (t) => {
    const {clock, logs, a} = await pair(t);
    const key = `requests-per-minute|example.com|192.0.2.${Math.floor(Math.random() * 250)}`;
    t.equal(await a.rates.take(key, 2, 60_000), true);
    let asked = 0;
    const realEval = a.link.cmd.eval.bind(a.link.cmd);
    a.link.cmd.eval = ((...args: Parameters<typeof realEval>) => {
      asked++;
      return realEval(...args);
    }) as typeof realEval;
    redis.pause();
    t.teardown(() => redis.resume());
    const started = Date.now();
    t.equal(await a.rates.take(key, 2, 60_000), true, 'the second hit, counted here');
    t.ok(Date.now() - started >= 900, 'after waiting about a second for Redis');
    t.equal(await a.rates.take(key, 2, 60_000), false, 'the third refused by the count here');
    t.equal(asked, 1, 'without asking the stalled Redis again');
    t.match(logs.join('\n'), /limits: counted on this hub alone for now \(no answer in 1000 ms\)/, 'the hub says so, once');
    t.equal(logs.filter((l) => l.includes('counted on this hub alone')).length, 1);
    redis.resume();
    clock.now += 5000;
    t.equal(await a.rates.take(`${key}-later`, 2, 60_000), true, 'five seconds on, Redis is asked again, and answers');
    t.equal(asked, 2);
    t.match(logs.join('\n'), /limits: counted in redis again/, 'and the hub says so');
  });

  const missingPostgres = noPostgres();
  t.test('two hubs behind one address', {skip: missingPostgres}, async (t) => {
    const pg = await testPostgres();
    t.teardown(() => pg.stop());
    const {hubs, tokens} = await startCluster(t, pg, redis.url, {hubs: 2, trustProxy: true, limits: {'identities-per-minute': 4, 'sockets-per-address': 100}});
    const [a, b] = hubs as [(typeof hubs)[0], (typeof hubs)[0]];

    t.test('new visitors from one address, alternately on each hub: four a minute in all', async (t) => {
      const welcomed: string[] = [];
      const refused: string[] = [];
      for (let i = 0; i < 8; i++) {
        const hub = i % 2 === 0 ? a : b;
        const v = await hub.visitor({headers: {'x-forwarded-for': '203.0.113.7'}});
        t.teardown(() => v.close());
        if (v.of('welcome').length > 0) welcomed.push(hub === a ? 'A' : 'B');
        else if (v.of('error')[0]?.code === 'slow_down') refused.push(hub === a ? 'A' : 'B');
      }
      t.same(welcomed, ['A', 'B', 'A', 'B'], 'four welcomed, two on each hub');
      t.same(refused, ['A', 'B', 'A', 'B'], 'then refused on both hubs with slow_down');
      const other = await b.visitor({headers: {'x-forwarded-for': '203.0.113.8'}});
      t.teardown(() => other.close());
      t.ok(other.of('welcome')[0], 'another address is let in');
    });

    t.test('wrong tokens from one address, two on each hub at once: the right token is then refused on either', async (t) => {
      const upgrade = async (url: string, token: string) => (await operatorUpgrade(url, {authorization: `Bearer ${token}`, 'x-cac-operator': 'alice', 'x-forwarded-for': '198.51.100.9'})).status;
      const wrong = `${tokens.alice!.slice(0, -4)}AAAA`;
      const statuses = await Promise.all([upgrade(a.url, wrong), upgrade(b.url, wrong), upgrade(a.url, wrong), upgrade(b.url, wrong)]);
      t.same(statuses, [401, 401, 401, 401], 'each wrong token refused');
      t.equal(await upgrade(a.url, tokens.alice!), 429, 'the right token, on hub A: Too Many Requests');
      t.equal(await upgrade(b.url, tokens.alice!), 429, 'and on hub B');
    });
  });
}

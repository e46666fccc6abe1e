import t from 'tap';
import {connectRedis, whenUp} from '../src/cluster/redis.js';
import {Presence} from '../src/cluster/presence.js';
import {noRedis, redisCommand, startRedis} from './helpers/redis.js';

/* Presence as another hub keeps it in Redis, read by this hub at every beat. */

const missing = noRedis();
if (missing) {
  t.test('presence', {skip: missing}, () => {});
} else {
  const redis = await startRedis(t);

  t.test('another hub\'s operators are taken from Redis at the beat, even when their publication never came', async (t) => {
    const link = connectRedis(redis.url, () => {});
    t.teardown(() => link.close());
    t.ok(await whenUp(link, 5000), 'connected');
    let told = 0;
    const presence = new Presence(link, {hubId: 'here', beatMs: 1000, deadAfterMs: 5000}, {operatorsChanged: () => told++, adopt: () => {}, log: () => {}});
    // Hub "there" is alive and has bob on-line; this hub never heard it say so.
    const say = (...args: string[]) => redisCommand(redis.port, ...args);
    await say('SET', 'cac:hub:there', '1', 'PX', '60000');
    await say('SADD', 'cac:hubs', 'there');
    await say('SADD', 'cac:ops:there', 'bob');

    await presence.beat();
    t.same([...presence.remoteOperators()], ['bob'], 'bob is on-line on the other hub');
    t.equal(told, 1, 'and the hub was told, so its lists and availability follow');
    await presence.beat();
    t.equal(told, 1, 'a beat that finds nothing new tells nothing');

    await say('SREM', 'cac:ops:there', 'bob');
    await say('SADD', 'cac:ops:there', 'carol');
    await presence.beat();
    t.same([...presence.remoteOperators()], ['carol'], 'a change there is seen at the next beat');
    t.equal(told, 2);
  });

  t.test('reading everything again never leaves the lists half-made, and keeps what the bus told meanwhile', async (t) => {
    await redisCommand(redis.port, 'FLUSHALL');
    const link = connectRedis(redis.url, () => {});
    t.teardown(() => link.close());
    t.ok(await whenUp(link, 5000), 'connected');
    const presence = new Presence(link, {hubId: 'here', beatMs: 1000, deadAfterMs: 5000}, {operatorsChanged: () => {}, adopt: () => {}, log: () => {}});
    const say = (...args: string[]) => redisCommand(redis.port, ...args);
    const summary = (id: string) => ({id, site: 'example.com', ip: '127.0.0.1', browser: 'Firefox', os: 'Linux', pages: 1, since: 0, online: true});
    // Hub "there" serves three visitors and has bob.
    await say('SET', 'cac:hub:there', '1', 'PX', '60000');
    await say('SADD', 'cac:hubs', 'there');
    await say('SADD', 'cac:ops:there', 'bob');
    for (const id of ['v1', 'v2', 'v3']) await say('HSET', 'cac:visitors:there', id, JSON.stringify(summary(id)));
    await presence.rebuild();
    t.same([...presence.visitors.keys()].sort(), ['v1', 'v2', 'v3'], 'the first reading has them all');

    // Read again (Redis came back) while the lists are looked at between every reply, as an
    // operator's hello would; meanwhile the bus says v4 came and v2 left.
    const seen: string[][] = [];
    let done = false;
    const again = presence.rebuild().finally(() => (done = true));
    let told = false;
    while (!done) {
      seen.push([...presence.visitors.keys()].sort());
      if (!told && seen.length > 1) {
        told = true;
        presence.visitors.set('v4', {hub: 'there', summary: summary('v4')});
        presence.visitors.delete('v2');
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await again;
    t.ok(seen.length > 2, 'looked at while it read');
    t.same(seen.filter((ids) => !ids.includes('v1') || !ids.includes('v3')), [], 'v1 and v3 were listed at every look');
    t.same([...presence.remoteOperators()], ['bob'], 'bob is still known');
    t.same([...presence.visitors.keys()].sort(), ['v1', 'v3', 'v4'], 'what the bus told meanwhile is kept: v4 came, v2 left');
  });
}

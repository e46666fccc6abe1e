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
}

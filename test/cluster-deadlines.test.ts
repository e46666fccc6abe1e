import t from 'tap';
import {SharedDeadlines} from '../src/cluster/shared-deadlines.js';
import {waitUntil} from './helpers/wait.js';
import {noPostgres, testPostgres} from './helpers/postgres.js';
import {noRedis, startRedis} from './helpers/redis.js';
import {operatorsOn, startCluster} from './helpers/cluster.js';
import {acceptedChat} from './helpers/hub.js';

/*
 * Deadlines shared through Redis: the hub that set one sets it again when Redis comes back
 * empty, unless it was fired meanwhile, whichever hub fired it.
 */

const missing = noPostgres() || noRedis();
if (missing) {
  t.test('shared deadlines', {skip: missing}, () => {});
} else {
  const pg = await testPostgres();
  t.teardown(() => pg.stop());
  const redis = await startRedis(t);

  t.test('deadlines set on one hub and fired by another do not fire again after Redis restarts empty', async (t) => {
    const {hubs} = await startCluster(t, pg, redis.url, {hubs: 2});
    const [a, b] = hubs as [(typeof hubs)[0], (typeof hubs)[0]];
    const [bob] = await operatorsOn(hubs, [['bob', b]]);
    // Hub A does not look for due deadlines: hub B fires them all, as it may by timing.
    const board = a.hub.deadlines;
    if (!(board instanceof SharedDeadlines)) throw new Error('hub A has no shared deadlines');
    board.stop();
    for (let i = 0; i < 6; i++) {
      const visitor = await a.visitor();
      if (i === 0) await acceptedChat(visitor, bob);
      visitor.close();
    }
    const left = async () => (await a.hub.store.feed(0, 5000)).entries.filter((e) => e.type === 'visitor.left');
    await waitUntil('each visitor left, their grace periods fired on hub B', async () => (await left()).length >= 6);
    // Hub B said it fired each before storing what followed: hub A has heard by now.

    await redis.stop();
    await redis.start();
    await waitUntil('hub A healthy again', async () => (await fetch(`${a.url}/healthz`)).status === 200);
    // Restored deadlines would be due at once: hub B looks four times a second.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = await left();
    t.equal(after.length, 6, 'each visitor left once');
    t.equal(new Set(after.map((e) => ('visitorId' in e ? e.visitorId : ''))).size, 6, 'six visitors');
    bob.close();
  });
}

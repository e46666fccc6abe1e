import {connect} from 'node:net';
import t from 'tap';
import {accepts} from './helpers/daemon.js';
import {noRedis, redisCommand, startRedis} from './helpers/redis.js';

/* The throwaway Redis of test/helpers/redis.ts: it answers, restarts on its port, keeps nothing. */

/** PING written by hand on a raw socket: what comes back, as it came. */
function rawPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    let got = '';
    socket.on('data', (data: Buffer) => {
      got += data.toString();
      if (got.endsWith('\r\n')) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('error', reject);
  });
}

const skip = noRedis();

t.test('a Redis of its own, restarted on the same port', {skip}, async (t) => {
  const redis = await startRedis(t);
  t.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
  t.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
  t.equal(await rawPing(redis.port), '+PONG\r\n');

  t.equal(await redisCommand(redis.port, 'SET', 'visitor:1', 'héllo'), 'OK');
  t.equal(await redisCommand(redis.port, 'GET', 'visitor:1'), 'héllo');
  t.same(await redisCommand(redis.port, 'CONFIG', 'GET', 'bind'), ['bind', '127.0.0.1']);
  t.same(await redisCommand(redis.port, 'CONFIG', 'GET', 'save'), ['save', '']);
  t.same(await redisCommand(redis.port, 'CONFIG', 'GET', 'appendonly'), ['appendonly', 'no']);
  await t.rejects(redisCommand(redis.port, 'NO-SUCH-COMMAND'), /ERR unknown command/);

  await redis.restart();
  t.equal(await rawPing(redis.port), '+PONG\r\n', 'answers again on the same port');
  t.equal(await redisCommand(redis.port, 'GET', 'visitor:1'), null, 'nothing kept across a restart');

  // A connection open when the server dies sees it go, and a new one is refused until it is back.
  const open = connect(redis.port, '127.0.0.1');
  await new Promise((resolve) => open.once('connect', resolve));
  const closed = new Promise((resolve) => open.once('close', resolve));
  open.on('error', () => {});
  await redis.kill();
  await closed;
  t.equal(await accepts(redis.port), false, 'nothing listens while it is down');
  await redis.start();
  t.equal(await rawPing(redis.port), '+PONG\r\n', 'answers again after a crash');
  await t.rejects(redis.start(), /running already/);

  await redis.stop();
  t.equal(await accepts(redis.port), false, 'stopped');
});

t.test('two servers in one file get two ports', {skip}, async (t) => {
  const [a, b] = await Promise.all([startRedis(t), startRedis(t)]);
  t.not(a.port, b.port);
  await redisCommand(a.port, 'SET', 'k', 'a');
  t.equal(await redisCommand(b.port, 'GET', 'k'), null);
});

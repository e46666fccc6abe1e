import {spawn} from 'node:child_process';
import * as fsp from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {lockDataDir} from '../src/store/lock.js';

/*
 * Two processes taking over a lock left by a dead process at the same moment: one gets it. The
 * other process is a real one (its pid is alive); what it does to the lock file is done here, at
 * the moment the race needs it, from inside this process's read of the stale lock.
 */

const DEAD = '999999999';

function liveProcess(t: {teardown(fn: () => unknown): void}): number {
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.teardown(() => other.kill());
  return other.pid!;
}

t.test('a stale lock taken over by another process while we looked at it stays theirs', async (t) => {
  const dir = t.testdir({'hub.lock': DEAD});
  const file = join(dir, 'hub.lock');
  const other = liveProcess(t);
  let raced = false;
  const {lockDataDir: lockWithRace} = await t.mockImport<typeof import('../src/store/lock.js')>('../src/store/lock.js', {
    'node:fs/promises': {
      ...fsp,
      // Right after we read the dead pid, the other process does what we are about to do:
      // removes the stale lock and links its own.
      async readFile(path: string, encoding: BufferEncoding) {
        const text = await fsp.readFile(path, encoding);
        if (!raced && path === file && text === DEAD) {
          raced = true;
          await fsp.unlink(file);
          await fsp.writeFile(file, String(other));
        }
        return text;
      },
    },
  });
  await t.rejects(lockWithRace(dir, {waitMs: 0}), {message: `another hub (pid ${other})`}, 'we do not get it');
  t.ok(raced);
  t.equal(await fsp.readFile(file, 'utf8'), String(other), 'the lock file still names the other process');
  t.same((await fsp.readdir(dir)).sort(), ['hub.lock'], 'nothing set aside is left');
});

t.test('unlocking removes the lock only while it is ours', async (t) => {
  const dir = t.testdir({'hub.lock': DEAD});
  const file = join(dir, 'hub.lock');
  const unlock = await lockDataDir(dir);
  t.equal(await fsp.readFile(file, 'utf8'), String(process.pid), 'a dead pid is taken over');
  // Another process holds it now (it took it over after a wrong judgement): not ours to delete.
  const other = liveProcess(t);
  await fsp.writeFile(file, String(other));
  await unlock();
  t.equal(await fsp.readFile(file, 'utf8'), String(other));
  await fsp.unlink(file);
  const again = await lockDataDir(dir, {cli: true});
  await again();
  t.same(await fsp.readdir(dir), [], 'our own lock is removed');
});

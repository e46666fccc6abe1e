import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {FileSystemSync} from '../src/store/file-system-sync.js';
import {waitUntil} from './helpers/wait.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

t.test('flushes through one helper process, started once and asked again and again', async (t) => {
  const dir = t.testdir();
  await writeFile(join(dir, 'a.log'), 'one line\n');
  const fsSync = new FileSystemSync(dir);
  t.teardown(() => fsSync.stop());
  t.equal(fsSync.pid, undefined, 'nothing runs before it is needed');
  t.equal(await fsSync.sync(), true);
  const pid = fsSync.pid!;
  t.ok(pid > 0 && alive(pid), 'the helper runs');
  t.same(await Promise.all([fsSync.sync(), fsSync.sync(), fsSync.sync()]), [true, true, true], 'requests at once are each answered');
  t.equal(await fsSync.sync(), true);
  t.equal(fsSync.pid, pid, 'every request went to the same process');
});

t.test('startSoon starts the helper with no request, so a large hub never has to', async (t) => {
  const fsSync = new FileSystemSync(t.testdir());
  t.teardown(() => fsSync.stop());
  fsSync.startSoon(0);
  await waitUntil('the helper to start', () => fsSync.pid !== undefined);
  t.ok(fsSync.pid !== undefined, 'started on its own');
  const pid = fsSync.pid!;
  fsSync.startSoon(0);
  t.equal(await fsSync.sync(), true);
  t.equal(fsSync.pid, pid, 'a second startSoon and the request reused it');
});

t.test('a helper that died is replaced on the next request', async (t) => {
  const fsSync = new FileSystemSync(t.testdir());
  t.teardown(() => fsSync.stop());
  t.equal(await fsSync.sync(), true);
  const first = fsSync.pid!;
  process.kill(first, 'SIGKILL');
  await waitUntil('the death of the helper to be noticed', () => fsSync.pid === undefined);
  t.equal(fsSync.pid, undefined, 'its death is noticed');
  t.equal(await fsSync.sync(), true, 'the next request is answered');
  t.not(fsSync.pid, first, 'by a new helper');
});

t.test('answers false where a flush is not possible, so the caller syncs file by file', async (t) => {
  const gone = new FileSystemSync(join(t.testdir(), 'no-such-folder'));
  t.teardown(() => gone.stop());
  t.equal(await gone.sync(), false, 'sync -f cannot open the folder');
  t.equal(await gone.sync(), false, 'and again: the helper itself is fine');
  t.ok(gone.pid !== undefined && alive(gone.pid), 'the helper keeps running');

  const noShell = new FileSystemSync(t.testdir(), join(t.testdir(), 'no-such-shell'));
  t.equal(await noShell.sync(), false, 'no shell to run the helper');
  t.equal(await noShell.sync(), false, 'and not tried again');
  t.equal(noShell.pid, undefined);
});

t.test('stop ends the helper; requests after it answer false', async (t) => {
  const fsSync = new FileSystemSync(t.testdir());
  t.equal(await fsSync.sync(), true);
  const pid = fsSync.pid!;
  fsSync.stop();
  await waitUntil('the helper to exit', () => !alive(pid));
  t.notOk(alive(pid), 'the helper process is gone');
  t.equal(await fsSync.sync(), false);
  fsSync.startSoon(0);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(fsSync.pid, undefined, 'startSoon after stop starts nothing');
});

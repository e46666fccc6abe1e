import t from 'tap';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {NotStoredError} from '../src/store/store.js';
import {filesByPath} from './helpers/files.js';
import {nodeFiles} from '../src/store/file-layer.js';

t.test('a resend that arrives while its first try is being written, and that write fails, is answered not stored', async (t) => {
  let full = false;
  const files = filesByPath((pathOf) => ({
    async write(fd, buffer, offset) {
      if (full && pathOf(fd).endsWith('.wal')) throw Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'});
      return nodeFiles.write(fd, buffer, offset);
    },
  }));
  const store = new EmbeddedStore(t.testdir(), {journal: true, files, log: () => {}});
  await store.open();
  await store.putChat({id: 'c1', kind: 'visitor', site: 'example.com', state: 'active', operators: ['alice'], requestedAt: 1});
  await store.appendEvent('c1', {at: 1, kind: 'msg', from: 'visitor', name: 'V', text: 'one', id: 'm1'});
  full = true;
  const first = store.appendEvent('c1', {at: 2, kind: 'msg', from: 'visitor', name: 'V', text: 'two', id: 'm2'});
  const resend = store.appendEvent('c1', {at: 2, kind: 'msg', from: 'visitor', name: 'V', text: 'two', id: 'm2'});
  await t.rejects(first, NotStoredError, 'the first try is not stored');
  await t.rejects(resend, NotStoredError, 'nor is the resend, and it says so');
  full = false;
  const later = await store.appendEvent('c1', {at: 3, kind: 'msg', from: 'visitor', name: 'V', text: 'two', id: 'm2'});
  t.same([later.event.seq, later.duplicate], [2, false], 'sent again once the disk has room, it is stored');
  await store.close();
});

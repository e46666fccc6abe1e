import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import t from 'tap';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {nodeFiles} from '../src/store/file-layer.js';
import type {ChatRecord} from '../src/store/types.js';

const chat = (state: ChatRecord['state']): ChatRecord => ({id: 'c1', kind: 'visitor', site: 'example.com', visitorId: 'v1', state, operators: [], requestedAt: 1});
const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.wal'));

t.test('a journal segment that cannot be deleted keeps every newer one, so a restart never replays an older record over a newer', async (t) => {
  const dir = t.testdir();
  let refused: string | undefined;
  const files = {
    ...nodeFiles,
    async remove(path: string) {
      if (refused && path.endsWith(refused)) throw Object.assign(new Error(`EIO: i/o error, unlink '${path}'`), {code: 'EIO'});
      return nodeFiles.remove(path);
    },
  };
  // Each group finishes a segment: the record as waiting is in one, as active in a later one.
  const store = new EmbeddedStore(dir, {journal: true, segmentBytes: 1, files, log: () => {}});
  await store.open();
  await store.putChat(chat('waiting'));
  await store.putChat(chat('active'));
  refused = segments(dir).find((f) => readFileSync(join(dir, f), 'utf8').includes('"waiting"'));
  t.ok(refused, 'the older record is in a segment of its own');
  await t.rejects(store.close(), /EIO/, 'the checkpoint says it could not finish');
  t.ok(segments(dir).length >= 2, `the segment refused and the newer ones are kept (${segments(dir).join(', ')})`);

  const again = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await again.open();
  await again.close();
  t.match(JSON.parse(readFileSync(join(dir, 'chats', 'c1.json'), 'utf8')), {state: 'active'}, 'the newer record holds after the restart');
  t.same(segments(dir), [], 'and the segments go once they can');
});

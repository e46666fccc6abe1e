import t from 'tap';
import {chatIdAt, randomId} from '../src/lib/secrets.js';

t.test('ids never start with a dash (typed after a command, it would read as an option)', async (t) => {
  const ids = Array.from({length: 20_000}, () => randomId());
  t.same(ids.filter((id) => /^[-_]/.test(id)), [], 'none of 20,000 starts with - or _');
  t.ok(ids.every((id) => /^[\w-]{22}$/.test(id)), 'all 22 URL-safe characters');
  t.equal(new Set(ids).size, ids.length, 'all different');
  t.match(chatIdAt(Date.UTC(2026, 0, 1)), /^[0-9a-z]{9}-/, 'a chat id starts with its time');
});

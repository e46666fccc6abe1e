import type {Key} from 'ink';
import t from 'tap';
import {keyToCommand, splitLines} from '../src/client/keymap.js';

const plain = {return: false, ctrl: false, meta: false} as Key;

t.test('text and Enter arriving in one chunk are typed and then sent', async (t) => {
  const parts = splitLines('Yes, we have three left\r', plain);
  const commands = parts.map(([input, key]) => keyToCommand(input, key, {focus: 'pane'}));
  t.same(commands, [{c: 'type', text: 'Yes, we have three left'}, {c: 'enter'}]);
  const lines = splitLines('one\r\ntwo\nthree', plain).map(([input, key]) => keyToCommand(input, key, {focus: 'pane'}));
  t.same(lines, [{c: 'type', text: 'one'}, {c: 'enter'}, {c: 'type', text: 'two'}, {c: 'enter'}, {c: 'type', text: 'three'}]);
  t.same(splitLines('abc', plain), [['abc', plain]], 'a chunk without a line break is left alone');
  t.same(splitLines('\r', plain), [['\r', plain]], 'a lone Enter is ink\'s own');
});

import t from 'tap';
import {edit, line, visible} from '../src/client/line-edit.js';

t.test('line editing works in code points, so an emoji is one step', async (t) => {
  let l = line('tea 🫖 time');
  t.equal(l.cursor, 10);
  l = edit(l, {op: 'wordLeft'});
  t.equal(l.cursor, 6);
  l = edit(l, {op: 'left'});
  l = edit(l, {op: 'backspace'});
  t.same(l, {text: 'tea  time', cursor: 4}, 'the teapot went in one keystroke');
  l = edit(l, {op: 'insert', text: '☕'});
  t.same(l, {text: 'tea ☕ time', cursor: 5});
  t.same(edit(line('abc', 0), {op: 'backspace'}), {text: 'abc', cursor: 0}, 'nothing before the start');
  t.same(edit(line('abc'), {op: 'deleteForward'}), {text: 'abc', cursor: 3}, 'nothing after the end');
  t.same(edit(line('abc', 1), {op: 'right'}), {text: 'abc', cursor: 2});
  t.same(edit(line('abc'), {op: 'right'}), {text: 'abc', cursor: 3});
  t.same(edit(line('one two  ', 9), {op: 'deleteWord'}), {text: 'one ', cursor: 4});
  t.same(edit(line('abc', 2), {op: 'home'}).cursor, 0);
  t.same(edit(line('abc', 0), {op: 'end'}).cursor, 3);
  t.same(line('abc', 99).cursor, 3, 'a cursor past the end is clamped');
});

t.test('the visible part of a long line always holds the cursor and fits', async (t) => {
  const text = 'x'.repeat(30) + 'MIDDLE' + 'y'.repeat(30);
  for (let cursor = 0; cursor <= [...text].length; cursor++) {
    const v = visible(line(text, cursor), 20);
    t.ok(v.before.length + 1 + v.after.length <= 20, `fits at ${cursor}`);
    t.equal(text.indexOf(v.before + (cursor < text.length ? v.at : '')) >= 0, true);
  }
  t.same(visible(line('short'), 20), {before: 'short', at: ' ', after: ''});
});

import t from 'tap';
import {clean, notificationText} from '../src/lib/sanitize.js';
import {wrap} from '../src/client/format.js';

t.test('every control character and escape sequence becomes visible, inert text', async (t) => {
  t.equal(clean('a\x1b[2Jb'), 'a␛[2Jb');
  t.equal(clean('\x1b]0;pwned\x07'), '␛]0;pwned␇');
  t.equal(clean('\x1b]52;c;aGk=\x07'), '␛]52;c;aGk=␇');
  t.equal(clean('\x1b]8;;http://x\x07y\x1b]8;;\x07'), '␛]8;;http://x␇y␛]8;;␇');
  t.equal(clean('\x9b31m\x9d0;x\x9c'), '‹9B›31m‹9D›0;x‹9C›', 'C1 controls');
  t.equal(clean('del\x7f'), 'del␡');
  t.equal(clean('\x00\x08'), '␀␈');
  t.equal(clean('a\u202Eb'), 'a‹U+202E›b', 'bidi overrides cannot reorder the line');
  t.equal(clean('one\ntwo\r\tthree'), 'one two  three', 'names and titles stay on one line');
  t.equal(clean('one\ntwo', true), 'one\ntwo', 'messages keep their line breaks');
  t.equal(clean(undefined), '');
  t.equal(clean('héllo 🎉 日本'), 'héllo 🎉 日本', 'ordinary text is untouched');
  const out = clean(String.fromCharCode(...Array.from({length: 0xa0}, (_, i) => i)), true);
  t.notOk(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(out), 'nothing the terminal would act on is left');
});

t.test('notification text is plain and short', async (t) => {
  const text = notificationText('Vera: hi\x1b]9;x\x07;there'.padEnd(300, '!'));
  t.notOk(/[\x00-\x1f;]/.test(text));
  t.equal(text.length, 120);
});

t.test('wrap breaks at spaces and cuts long words', async (t) => {
  t.same(wrap('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
  t.same(wrap('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
  t.same(wrap('aaa bbbbbb', 6, 3), ['aaa', 'bbb', 'bbb']);
  t.same(wrap('x\ny', 5), ['x', 'y']);
});

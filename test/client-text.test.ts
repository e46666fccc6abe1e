import t from 'tap';
import {visible, line} from '../src/client/line-edit.js';
import {clean} from '../src/lib/sanitize.js';
import {fit, graphemes, pad, truncate, width, wrap} from '../src/client/text.js';

const NAME = '田中さん😀';
const QUESTION = 'こんにちは、配送について質問があります。東京まで何日かかりますか？😀';

t.test('widths: wide characters and emoji take two cells, combining marks none', async (t) => {
  t.equal(width('Vera'), 4);
  t.equal(width(NAME), 10);
  t.equal(width('e\u0301'), 1);
  t.equal(width('👩‍👩‍👧'), 2, 'a family emoji is one character');
  t.same(graphemes('a👩‍👩‍👧e\u0301'), ['a', '👩‍👩‍👧', 'e\u0301']);
});

t.test('truncate cuts by cells, never through a character, and says so with an ellipsis', async (t) => {
  t.equal(truncate(NAME, 5), '田中…');
  t.equal(truncate(NAME, 4), '田…', 'a wide character that would only half fit is left out');
  t.equal(truncate(NAME, 10), NAME, 'what fits is left alone');
  t.equal(truncate(NAME, 9), '田中さん…');
  t.equal(truncate(NAME, 1), '…');
  t.equal(truncate(NAME, 0), '');
  t.equal(truncate(NAME, 3, ''), '田');
  t.equal(truncate('👩‍👩‍👧👩‍👩‍👧', 3), '👩‍👩‍👧…');
  for (let cols = 0; cols <= 12; cols++) {
    const cut = truncate(NAME, cols);
    t.ok(width(cut) <= cols, `${cols} cells: ${cut}`);
    t.ok(NAME.startsWith(cut.replace(/…$/, '')), 'a prefix of whole characters');
  }
  t.equal(fit(NAME, 12), `${NAME}  `);
  t.equal(width(fit(NAME, 7)), 7);
  t.equal(pad('abc', 2), 'abc', 'pad never cuts');
});

t.test('wrap fills lines by cells and breaks between wide characters', async (t) => {
  const lines = wrap(`${NAME}: ${QUESTION}`, 20, 14);
  t.ok(width(lines[0]!) <= 20);
  t.ok(lines.slice(1).every((l) => width(l) <= 14), 'the lines after the first leave room for the indent');
  t.equal(lines.join('').replace(': ', ''), NAME + QUESTION, 'nothing lost, nothing split');
  t.equal(lines[0], `${NAME}: こんにち`, 'the first line is filled, not left short');
  t.same(wrap('Vera 田中 abc', 6), ['Vera', '田中', 'abc']);
  t.same(wrap('😀😀😀', 1), ['😀', '😀', '😀'], 'a line too narrow for one character still takes it');
  t.same(wrap('a e\u0301e\u0301e\u0301 b', 3), ['a', 'e\u0301e\u0301e\u0301', 'b'], 'an accent takes no cell and stays on its letter');
});

t.test('visitor control characters are made visible before they are measured', async (t) => {
  const shown = clean('\x1b[2J田中\x07');
  t.equal(shown, '␛[2J田中␇');
  t.equal(width(shown), 9);
  t.equal(truncate(shown, 6), '␛[2J…');
});

t.test('the message line scrolls sideways by cells, the cursor always in view', async (t) => {
  const text = QUESTION.repeat(2);
  const n = [...text].length;
  for (let cursor = 0; cursor <= n; cursor += 7) {
    const v = visible(line(text, cursor), 30);
    t.ok(width(v.before + v.at + v.after) <= 30, `cursor ${cursor} fits`);
    t.equal(v.at, [...text][cursor] ?? ' ', 'the cursor is on its character');
  }
  const end = visible(line(text), 30);
  t.ok(end.before.endsWith('か？😀'), 'at the end, the end shows');
  t.equal(end.at, ' ');
  t.same(visible(line('短い'), 30), {before: '短い', at: ' ', after: ''});
});

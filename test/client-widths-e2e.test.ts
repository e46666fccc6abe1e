import stringWidth from 'string-width';
import t from 'tap';
import {startTestHub} from './helpers/hub.js';
import {keys, startClient, type Tui} from './helpers/tui.js';

const NAME = '田中さん😀';
const QUESTION = 'こんにちは、配送について質問があります。東京まで何日かかりますか？😀';
// At 80 columns the lists take 25, then the divider, then the chat pane.
const DIVIDER = 25;

/** What is wrong with the 80x24 frame on the screen now: nothing, if the layout held. */
function layoutProblems(tui: Tui, keyBar: RegExp, divider = true): string[] {
  const buffer = tui.term.buffer.active;
  const problems: string[] = [];
  for (let y = 0; y < tui.term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y)!;
    const text = line.translateToString(true);
    if (line.isWrapped) problems.push(`row ${y} is the tail of a line that ran past the edge: ${text}`);
    if (stringWidth(text) > tui.term.cols) problems.push(`row ${y} is ${stringWidth(text)} cells wide: ${text}`);
    if (divider && y < 21 && line.getCell(DIVIDER)?.getChars() !== '│') problems.push(`row ${y} lost the divider: ${text}`);
  }
  const rows = tui.lines();
  if (!keyBar.test(rows[21]!)) problems.push(`the key bar is not on row 21: ${rows[21]}`);
  if (!/● connected \| alice on-line/.test(rows[22]!)) problems.push(`the status line is not on row 22: ${rows[22]}`);
  return problems;
}

/**
 * The problems once the frame has settled: a frame arrives in more than one read, so a look in
 * between may see half of one. Waits a little for none; whatever is left is what is wrong.
 */
async function settled(tui: Tui, keyBar: RegExp, divider = true): Promise<string[]> {
  await tui.waitUntil('a whole frame', () => layoutProblems(tui, keyBar, divider).length === 0, 5).catch(() => {});
  return layoutProblems(tui, keyBar, divider);
}

/** The chat pane's text, rows joined and indents dropped, so wrapped messages read whole. */
function paneText(tui: Tui): string {
  const buffer = tui.term.buffer.active;
  return Array.from({length: 21}, (_, y) => buffer.getLine(buffer.viewportY + y)!.translateToString(true, DIVIDER + 1).trim()).join('');
}

t.test('a visitor writing Japanese and emoji never breaks the 80x24 layout', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await startClient(t, hub.url, 'alice', hub.tokens.alice!, {cols: 80, rows: 24});
  const visitor = await hub.visitor();
  visitor.send({t: 'chat.request', id: visitor.nextId(), name: NAME, text: QUESTION});
  await alice.waitForText(`Chat request: ${NAME} on example.com`);
  await alice.waitForText(`WAIT`);
  t.same(await settled(alice, /^Enter start/), [], 'the popup and the lists fit');
  t.match(alice.screen(), /"こんにちは、配送について.*…/, 'the question is cut to the popup, with an ellipsis');

  alice.write(keys.enter);
  await alice.waitForText('alice joined the chat');
  await alice.waitForText(` 1 ${NAME} `);
  await alice.waitForText(`mine ${NAME}`);
  t.ok(paneText(alice).includes(`${NAME}: ${QUESTION}`), 'the whole question is in the pane, wrapped by width');
  t.same(await settled(alice, /^Tab move {2}Enter send/), [], 'the pane, tabs and lists fit');

  visitor.send({t: 'msg', id: visitor.nextId(), text: QUESTION.repeat(3)});
  await alice.waitUntil('the long message', () => paneText(alice).includes(QUESTION.repeat(3)));
  t.same(await settled(alice, /^Tab move {2}Enter send/), [], 'a message three lines long fits');

  // The operator answers in Japanese, longer than the message line: it scrolls sideways.
  const answer = `${NAME}様、ありがとうございます。東京へは通常二日でお届けします。😀`;
  alice.write(answer);
  await alice.waitForText('お届けします。😀█');
  t.same(await settled(alice, /^Tab move {2}Enter send/), [], 'a long Japanese line being typed fits');
  alice.write(keys.enter);
  const got = await visitor.waitType('ev', (f) => f.e.kind === 'msg' && f.e.from === 'operator');
  t.equal(got.e.text, answer);
  await alice.waitUntil('the answer in the pane', () => paneText(alice).includes(`alice: ${answer}`));
  t.same(await settled(alice, /^Tab move {2}Enter send/), []);

  alice.write(keys.f1);
  await alice.waitForText('Help: keys');
  t.same(await settled(alice, /^Tab move {2}Enter send/, false), [], 'the help fits');
  t.match(alice.screen(), /Alt\+K +send a link that opens in the visitor's browser {2}\[\/link URL\]/);
  alice.write(keys.esc);
  await alice.waitUntil('the help to close', () => !alice.screen().includes('Help: keys'));

  // On the Visitors list the bar leads with that list's own keys and ends with the way to the rest.
  alice.write(keys.tab);
  const visitorsBar = /^Tab move {2}Alt\+O other {2}Alt\+V visits {2}Alt\+I invite {2}.*F1 or \? help\s*$/;
  t.same(await settled(alice, visitorsBar), [], 'visits, invite and help on the key bar at 80 columns');
});

import {spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import t from 'tap';
import {columns, transcriptHtml, transcriptJson, transcriptText, visible, wrap} from '../src/transcript/index.js';
import type {TranscriptInput} from '../src/transcript/index.js';
import {AT, LONG_URL, SCRIPT, chat, events, input, site, visit} from './fixtures/transcript-chat.js';

const VNU = 'node_modules/vnu-jar/build/dist/vnu.jar';

/** Why the HTML checker cannot run here, or false when it can. In CI a missing Java fails. */
function noJava(): string | false {
  if (spawnSync('java', ['-version']).error === undefined) return false;
  if (process.env.CI === 'true') throw new Error('java is missing: CI must install a Java runtime for the HTML checks');
  return 'no java on this machine (install a Java runtime to check transcripts with the Nu HTML Checker)';
}

/** Columns on a terminal, counted apart from the code under test: Han and kana are two wide. */
function width(line: string): number {
  return [...line].reduce((n, ch) => n + (/[\p{Script=Han}\p{Script=Hiragana}\u3000-\u303F]/u.test(ch) ? 2 : 1), 0);
}

const op = (over: Partial<TranscriptInput['chat']> = {}): TranscriptInput['chat'] => ({
  id: 'op~alice~bob',
  kind: 'op',
  site: '',
  members: ['alice', 'bob'],
  state: 'active',
  operators: ['alice', 'bob'],
  requestedAt: AT,
  ...over,
});

const documents = {
  'full.html': transcriptHtml(input()),
  'open-no-visit.html': transcriptHtml({chat: {...chat, state: 'active', endedAt: undefined}, events: events.slice(0, 2)}),
  'operators.html': transcriptHtml({chat: op(), events: []}),
};

t.test('HTML: everything from the visitor escaped, links only when http(s)', async (t) => {
  const html = documents['full.html'];

  t.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  t.match(html, '<meta charset="utf-8">');
  t.match(html, '<title>Chat with &lt;b&gt;Eve&lt;/b&gt; on example.com, 2026-03-29</title>');
  t.match(html, '&lt;script&gt;alert(1)&lt;/script&gt;', 'the script is literal text');
  t.notMatch(html, /<script/i, 'no script element');
  t.notMatch(html, /<b>|<\/b>/, 'the name is not markup');
  t.notMatch(html, /(?:src|href)\s*=\s*(?!["']?https?:)/i, 'nothing but http(s) in any href or src');
  t.notMatch(html, /<link|<img|<iframe|@import|url\(/i, 'no external resource');
  t.notMatch(html, /href="javascript:/i);
  t.match(html, 'sent a link: javascript:alert(3)</li>', 'the javascript: link is shown as text');
  t.match(html, 'javascript:alert(2)', 'a javascript: page is shown as text');
  t.match(html, `<a href="${LONG_URL}" rel="noopener noreferrer">${LONG_URL}</a>`, 'the https link is real');
  t.match(html, '<a href="https://example.com/pricing"');
  t.match(html, 'Pricing ␛]0;owned␇', 'control characters in a page title made visible');
  t.match(html, 'First line\nSecond line␛[31m red ␇ bell ‹85› next ‹U+202E›gnp.exe', 'newlines kept, controls shown');
  t.match(html, /<span class="text">First line\nSecond line/, 'in a pre-wrap span');
  t.match(html, '.text{white-space:pre-wrap');
  t.notMatch(html, /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE]/, 'no raw control character or noncharacter');
  t.match(html, '<li class="note operator private">', 'operator-only events are marked');
  t.match(html, '<span class="mark">operators only</span>');
  t.match(html, '<dt>Visitor</dt><dd>&lt;b&gt;Eve&lt;/b&gt; &lt;eve@example.org&gt; (id v-abcdef12)</dd>');
  t.notMatch(html, '192.0.2.7', 'the address is not in a transcript that may be mailed');
  t.ok(html.indexOf('<dl class="visit">') < html.indexOf('<ol class="events">'), 'the visit on top');
  t.match(documents['open-no-visit.html'], '<dd>not yet (the chat is active)</dd>');
  t.notMatch(documents['open-no-visit.html'], 'Pages viewed');
  t.match(documents['operators.html'], '<h1>Chat between alice and bob</h1>');
  t.match(documents['operators.html'], '<p>No messages.</p>');
});

t.test('HTML passes the Nu HTML Checker with no error', {skip: noJava()}, async (t) => {
  const dir = t.testdir();
  const files = Object.entries(documents).map(([name, text]) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  });
  const run = spawnSync('java', ['-jar', VNU, '--errors-only', '--format', 'json', ...files], {encoding: 'utf8'});
  // The checker writes its report to stderr and exits 1 when it found an error.
  const report = JSON.parse(run.stderr) as {messages: unknown[]};
  t.same(report.messages, [], 'no error in any document');
  t.equal(run.status, 0);
});

t.test('the text transcript: every message in order, 78 columns, nothing raw', async (t) => {
  const text = transcriptText(input({events: [...events].reverse()}));
  const lines = text.split('\n');
  t.ok(text.endsWith('\n'));
  for (const line of lines) t.ok(width(line) <= 78, `at most 78 columns: ${line}`);

  // Continuation lines are indented: joined back, each entry is whole again.
  const entries: string[] = [];
  for (const line of lines) {
    if (/^ {6}\S/.test(line) && entries.length > 0) entries[entries.length - 1] += '\n' + line.slice(6);
    else entries.push(line);
  }
  const uncut = entries.map((e) => e.replace(/\n/g, ''));
  // Every message whole (as made visible), each after the one before it.
  const bare = (text: string) => text.replace(/\s+/g, '');
  let last = -1;
  for (const e of events.filter((e) => e.kind === 'msg')) {
    const at = entries.findIndex((line, i) => i > last && bare(line).includes(bare(visible(e.text, true))));
    t.ok(at > last, `${JSON.stringify(e.text.slice(0, 20))} is complete, after the one before`);
    last = at;
  }
  t.ok(uncut.some((e) => e.includes(LONG_URL)), 'the long URL is complete, cut over lines');
  t.ok(lines.some((l) => l.startsWith('00:35 Alice Smith sent a link:')), 'a long URL starts on the line of its entry');

  t.match(text, /^Chat with <b>Eve<\/b> on example\.com\n=+\n/);
  t.match(text, '00:30 <b>Eve</b>: <script>alert(1)</script>\n');
  t.match(text, '00:31 -- Alice Smith joined the chat --\n');
  t.match(text, '00:34 Alice Smith sent a link: javascript:alert(3)\n');
  t.match(text, '00:36 [operators only] Note by Alice Smith: Asked about the yearly plan\n');
  t.match(text, '00:37 [operators only] -- Alice Smith left the chat --\n');
  t.match(text, '02:10 -- The operator has ended the chat --\n', 'clocks went forward at 01:00 UTC');
  t.match(text, '00:33 <b>Eve</b>: First line\n      Second line␛[31m red ␇ bell ‹85› next ‹U+202E›gnp.exe\n');
  t.notMatch(text, /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202E]/, 'no raw control character');
  t.match(text, 'Visitor:   <b>Eve</b> <eve@example.org> (id v-abcdef12)\n');
  t.match(text, 'Operators: Alice Smith (alice), Bob\n');
  t.match(text, 'Started:   2026-03-29 00:30 GMT+00:00\nEnded:     2026-03-29 02:10 GMT+01:00\nTime zone: Europe/London\n');
  t.match(text, 'Location:  London, United Kingdom\nBrowser:   Firefox 140 on Linux\nReferrer:  https://search.example/');
  t.match(text, 'Pages viewed (3):\n  00:25  Home <https://example.com/>\n  00:28  Pricing ␛]0;owned␇ <https://example.com/pricing>\n');
  t.match(text, '  00:29  (no title) <javascript:alert(2)>\n');
  t.notMatch(text, '192.0.2.7');
});

t.test('times are in the site time zone, UTC without one', async (t) => {
  const at = (iso: string, over: Partial<TranscriptInput> = {}) =>
    transcriptText({
      ...input({chat: {...chat, requestedAt: Date.parse(iso), endedAt: undefined, state: 'ended'}}),
      events: [{seq: 1, at: Date.parse(iso), kind: 'msg', from: 'visitor', name: 'Eve', text: 'hi'}],
      ...over,
    });
  t.match(at('2026-03-29T00:30:00Z'), '\n00:30 Eve: hi\n', 'London, still on GMT');
  t.match(at('2026-07-01T12:00:00Z'), '\n13:00 Eve: hi\n', 'London, summer time');
  t.match(at('2026-07-01T12:00:00Z'), 'Started:   2026-07-01 13:00 GMT+01:00\nEnded:     not recorded\n');
  t.match(at('2026-07-01T12:00:00Z', {site: {...site, timezone: 'Asia/Tokyo'}}), '\n21:00 Eve: hi\n');
  t.match(at('2026-07-01T12:00:00Z', {site: undefined}), 'Time zone: UTC\n');
  t.match(at('2026-07-01T12:00:00Z', {site: undefined}), '\n12:00 Eve: hi\n');
  t.match(at('2026-07-01T12:00:00Z', {site: {...site, timezone: 'Not/AZone'}}), '\n12:00 Eve: hi\n', 'an unknown zone is UTC');
  t.match(at('2026-07-01T23:30:00Z'), /^Chat with <b>Eve<\/b> on example\.com\n/);
  t.match(transcriptHtml(input({chat: {...chat, requestedAt: Date.parse('2026-07-01T23:30:00Z')}})), ', 2026-07-02</title>', 'the date is local too');
  // A chat that runs past midnight says when the day changes.
  const late = transcriptText(
    input({
      events: [
        {seq: 1, at: Date.parse('2026-03-29T22:50:00Z'), kind: 'msg', from: 'visitor', name: 'Eve', text: 'late'},
        {seq: 2, at: Date.parse('2026-03-29T23:10:00Z'), kind: 'msg', from: 'visitor', name: 'Eve', text: 'later'},
      ],
    }),
  );
  t.match(late, '23:50 Eve: late\n--- 2026-03-30 ---\n00:10 Eve: later\n');
  t.match(transcriptHtml({chat: op(), events: []}), 'Time zone</dt><dd>UTC</dd>');
});

t.test('operator-only events are left out when asked', async (t) => {
  const text = transcriptText(input({includePrivate: false}));
  t.notMatch(text, 'operators only');
  t.notMatch(text, 'Asked about the yearly plan');
  t.notMatch(transcriptHtml(input({includePrivate: false})), 'class="mark"');
  t.notOk(transcriptJson(input({includePrivate: false})).events.some((e) => e.priv));
  t.ok(transcriptJson(input()).events.some((e) => e.priv), 'kept by default');
});

t.test('operator chats and what a record may lack', async (t) => {
  const text = transcriptText({chat: op(), events: [], operators: {alice: 'Alice'}});
  t.match(text, /^Chat between Alice and bob\n/, 'the login name only when it adds something');
  t.notMatch(text, /^Site:|^Visitor:/m);
  t.match(text, 'Ended:     not yet (the chat is active)\n');
  const bare = transcriptText({chat: {...chat, visitorName: undefined, visitorEmail: undefined, visitorId: undefined, operators: []}, events: []});
  t.match(bare, 'Chat with Visitor on example.com');
  t.match(bare, 'Visitor:   Visitor\nOperators: none\n');
  t.match(transcriptText(input({visitor: {name: '  Eve Adams ', email: 'eve@adams.example'}})), 'Visitor:   Eve Adams <eve@adams.example> (id');
  const members = transcriptText({chat: op({members: undefined, operators: ['carol']}), events: []});
  t.match(members, 'Chat between carol\n');
  const noLocation = transcriptText(input({visit: {...visit, location: undefined, referrer: undefined, pages: []}}));
  t.notMatch(noLocation, /Location:|Referrer:|Pages viewed/);
  const link = transcriptHtml({chat, events: [{seq: 1, at: AT, kind: 'link', from: 'operator', name: 'A', text: 'not a url'}]});
  t.match(link, 'sent a link: not a url</li>');
});

t.test('JSON keeps the records as stored, in a fixed shape', async (t) => {
  const extra = {...chat, secret: 'not documented'} as typeof chat;
  const json = transcriptJson(input({chat: extra, events: [...events].reverse().map((e) => ({...e, extra: 1}))}));
  t.same(Object.keys(json), ['format', 'version', 'site', 'chat', 'visitor', 'operators', 'visit', 'events']);
  t.equal(json.format, 'cac-transcript');
  t.equal(json.version, 1);
  t.same(json.site, {domain: 'example.com', timezone: 'Europe/London'});
  t.same(Object.keys(json.chat), Object.keys(chat), 'documented fields only, in schema order');
  t.notOk('secret' in json.chat);
  t.same(json.visitor, {id: 'v-abcdef12', name: '<b>Eve</b>', email: 'eve@example.org'});
  t.same(json.operators, [
    {name: 'alice', displayName: 'Alice Smith'},
    {name: 'bob', displayName: 'Bob'},
  ]);
  t.same(json.visit, visit);
  t.same(
    json.events.map((e) => e.seq),
    events.map((e) => e.seq),
    'in order',
  );
  t.same(json.events[0], events[0], 'no undocumented field');
  t.equal(json.events[0]!.text, SCRIPT, 'strings as stored');
  const none = transcriptJson({chat: op(), events: []});
  t.equal(none.visit, null);
  t.same(none.visitor, {});
  t.same(none.site, {domain: '', timezone: 'UTC'});
  t.same(JSON.parse(JSON.stringify(json)), json, 'survives JSON');
  const known = transcriptJson({chat, events: [], visitor: {name: 'Eve A.'}});
  t.same(known.visitor, {id: 'v-abcdef12', name: 'Eve A.', email: 'eve@example.org'}, 'what is known now wins');
  t.same(known.operators[0], {name: 'alice', displayName: 'alice'});
  t.same(known.site, {domain: 'example.com', timezone: 'UTC'});
});

t.test('wrapping counts columns, keeps words and indents', async (t) => {
  t.equal(columns('abc'), 3);
  t.equal(columns('田中'), 4);
  t.equal(columns('e\u0301'), 1, 'a combining accent takes no column');
  t.equal(columns('👍'), 2);
  t.same(wrap('one two three', 7, '  '), ['one two', '  three']);
  t.same(wrap('a\n\nb', 10, '  '), ['a', '', '  b'], 'blank lines of a message stay, without trailing spaces');
  t.same(wrap('abcdefghij', 4, ' '), ['abcd', ' efg', ' hij'], 'a long word is cut, nothing lost');
  t.same(wrap('x abcdefghij', 6), ['x abcd', 'efghij']);
  t.same(wrap('田中田中田', 5), ['田中', '田中', '田'], 'a wide character is never split over the edge');
  t.same(wrap('田', 1), ['田'], 'a line narrower than one character still holds it');
  t.same(wrap('a   b', 3), ['a', 'b'], 'spaces at a break are dropped');
  t.same(wrap('', 10), ['']);
});

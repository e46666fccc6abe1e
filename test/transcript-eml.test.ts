import {simpleParser} from 'mailparser';
import type {AddressObject, ParsedMail} from 'mailparser';
import t from 'tap';
import {offlineReplyEml, transcriptEml, transcriptText} from '../src/transcript/index.js';
import type {OfflineMessage} from '../src/protocol/index.js';
import {AT, LONG_URL, chat, input, site} from './fixtures/transcript-chat.js';

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  return [field ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));
}

async function parse(eml: Buffer): Promise<ParsedMail> {
  t.ok(Buffer.isBuffer(eml));
  // RFC 5322 lines end in CRLF; a bare LF is what some servers reject.
  t.notMatch(eml.toString('latin1'), /[^\r]\n/, 'CRLF line ends only');
  return simpleParser(eml);
}

t.test('a transcript draft: subject, HTML with a text alternative, to the visitor, unsent', async (t) => {
  const raw = await transcriptEml(input());
  const mail = await parse(raw);
  t.equal(mail.subject, 'Chat with <b>Eve</b> on example.com, 2026-03-29');
  t.equal(mail.headers.get('x-unsent'), '1', 'opens as a draft');
  t.same(addresses(mail.to), ['eve@example.org']);
  t.equal(mail.from, undefined, 'From is left to the mail client');
  t.equal(mail.date?.getTime(), chat.endedAt, 'dated from the record, not the clock');
  t.match(raw.toString(), /Content-Type: multipart\/alternative/);
  t.type(mail.html, 'string');
  t.match(mail.html as string, '&lt;script&gt;alert(1)&lt;/script&gt;');
  t.match(mail.html as string, `<a href="${LONG_URL}"`);
  t.notMatch(mail.html as string, /<script/i);
  t.equal(mail.text?.replace(/\r\n/g, '\n'), transcriptText(input()), 'the text part is the text transcript');
  t.equal(mail.attachments.length, 0);
});

t.test('recipients and senders', async (t) => {
  const given = await parse(await transcriptEml({...input(), to: 'Support Log <log@example.com>', from: 'Alice <alice@example.com>'}));
  t.same(addresses(given.to), ['log@example.com'], 'an address given wins');
  t.same(addresses(given.from), ['alice@example.com']);

  const preferred = await parse(await transcriptEml(input({visitor: {name: 'Eve A.', email: 'eve.a@example.net'}})));
  t.same(addresses(preferred.to), ['eve.a@example.net'], 'what is known of the visitor now');
  t.equal(preferred.to && !Array.isArray(preferred.to) ? preferred.to.value[0]?.name : '', 'Eve A.');

  for (const email of ['not an address', 'eve@example.org\r\nBcc: all@example.com', 'a@b', '"x"@example.com', 'a@b.c>, evil@example.com']) {
    const raw = await transcriptEml(input({visitor: {email}}));
    const mail = await parse(raw);
    t.equal(mail.to, undefined, `no To for ${JSON.stringify(email)}`);
    t.notMatch(raw.toString(), /^(Bcc|Cc):/im);
  }
  const injected = await transcriptEml(input({visitor: {name: 'Eve\r\nBcc: all@example.com', email: 'eve@example.org'}}));
  t.notMatch(injected.toString(), /^Bcc:/im, 'a name cannot add a header');
  t.same(addresses((await parse(injected)).to), ['eve@example.org']);
  const stillOpen = await parse(await transcriptEml({chat: {...chat, endedAt: undefined, state: 'active'}, events: []}));
  t.equal(stillOpen.date?.getTime(), AT, 'an open chat without events: dated when it was requested');
  t.equal(stillOpen.subject, 'Chat with <b>Eve</b> on example.com, 2026-03-29');
  const lastEvent = await parse(await transcriptEml({chat: {...chat, endedAt: undefined}, events: input().events}));
  t.equal(lastEvent.date?.getTime(), input().events.at(-1)?.at, 'else dated by its last event');
});

t.test('a reply draft for a message left off-line', async (t) => {
  const message: OfflineMessage = {
    id: 'm1',
    site: 'example.com',
    visitorId: 'v-abcdef12',
    name: ' Eve ',
    email: 'eve@example.org',
    text: 'Hello,\n\nI would like a quote for ' + 'many seats '.repeat(12) + '\u001b[2J thanks',
    at: Date.parse('2026-07-01T12:00:00Z'),
  };
  const mail = await parse(await offlineReplyEml({message, site, from: 'Alice <alice@example.com>'}));
  t.equal(mail.subject, 'Re: your message on example.com');
  t.equal(mail.headers.get('x-unsent'), '1');
  t.same(addresses(mail.to), ['eve@example.org']);
  t.same(addresses(mail.from), ['alice@example.com']);
  t.equal(mail.html, false, 'plain text, for the operator to write in');
  const text = (mail.text ?? '').replace(/\r\n/g, '\n');
  t.match(text, /^Hello Eve,\n\n/);
  t.match(text, '\nOn 2026-07-01 13:00 GMT+01:00, you wrote on example.com:\n> Hello,\n>\n> I would like a quote for many seats');
  for (const line of text.split('\n')) t.ok(line.length <= 78, `at most 78 columns: ${line}`);
  t.match(text, '␛[2J thanks');
  t.notMatch(text, '\u001b');
  const quoted = text.split('\n').filter((l) => l.startsWith('>'));
  t.equal(quoted.map((l) => l.replace(/^> ?/, '')).join(' ').replace(/\s+/g, ' '), 'Hello, I would like a quote for ' + 'many seats '.repeat(12) + '␛[2J thanks');

  const anonymous = await parse(await offlineReplyEml({message: {...message, name: undefined, email: undefined}}));
  t.equal(anonymous.to, undefined);
  t.equal(anonymous.subject, 'Re: your message on example.com', 'the domain from the message');
  t.match(anonymous.text ?? '', /^Hello,\r?\n/);
  t.match(anonymous.text ?? '', '12:00 GMT+00:00', 'UTC without a site');
});

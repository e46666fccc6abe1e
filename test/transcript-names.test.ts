import t from 'tap';
import {exportFileName, safeNamePart, transcriptFileName} from '../src/transcript/index.js';
import {chat, site} from './fixtures/transcript-chat.js';

const hostile = ['../../etc/passwd', '..', '.', '...', '\u0000', '.bashrc', 'a/../../b', 'C:\\Windows\\system32', '-rf', ' ', '', '\u202Egnp.exe', 'x'.repeat(500), '田中', '%2e%2e%2f', 'a\r\nb'];

t.test('file names from hostile chat data stay plain names', async (t) => {
  for (const bad of hostile) {
    for (const name of [
      transcriptFileName(chat, site, bad, 'txt'),
      transcriptFileName({...chat, site: bad}, undefined, 'Eve', bad),
      transcriptFileName(chat, {...site, domain: bad}, bad, bad),
    ]) {
      const label = `${JSON.stringify(bad)} → ${name}`;
      t.match(name, /^chat-[A-Za-z0-9._-]+$/, label);
      t.notMatch(name, '/', label);
      t.notMatch(name, '\\', label);
      t.notMatch(name, '..', label);
      t.notMatch(name, /^\./, label);
      t.ok(name.length <= 140, label);
    }
  }
  t.equal(transcriptFileName(chat, site, 'Eve Adams', 'html'), 'chat-example.com-2026-03-29-Eve_Adams.html');
  t.equal(transcriptFileName(chat, site, '../../etc/passwd', 'txt'), 'chat-example.com-2026-03-29-etc_passwd.txt');
  t.equal(transcriptFileName(chat, site, '田中', 'txt'), 'chat-example.com-2026-03-29-visitor.txt', 'nothing usable: a plain word');
  t.equal(transcriptFileName(chat, site, '田中 Taro', 'txt'), 'chat-example.com-2026-03-29-Taro.txt');
  t.equal(transcriptFileName(chat, site, 'Zoë Ångström', '.eml'), 'chat-example.com-2026-03-29-Zoe_Angstrom.eml', 'accents dropped');
  t.equal(transcriptFileName(chat, site, undefined, 'json'), 'chat-example.com-2026-03-29-b_Eve_b.json', "the chat's visitor name");
  t.equal(transcriptFileName({...chat, visitorName: undefined}, undefined, undefined, ''), 'chat-example.com-2026-03-29-visitor.txt');
  t.equal(transcriptFileName({...chat, site: ''}, undefined, 'Eve', 'tar.gz'), 'chat-site-2026-03-29-Eve.tar.gz');
});

t.test('the date is the day the chat started where the site is', async (t) => {
  const late = {...chat, requestedAt: Date.parse('2026-07-01T23:30:00Z')};
  t.equal(transcriptFileName(late, site, 'Eve', 'txt'), 'chat-example.com-2026-07-02-Eve.txt', 'London: already the 2nd');
  t.equal(transcriptFileName(late, undefined, 'Eve', 'txt'), 'chat-example.com-2026-07-01-Eve.txt', 'UTC: still the 1st');
  t.equal(transcriptFileName(late, {...site, timezone: 'America/New_York'}, 'Eve', 'txt'), 'chat-example.com-2026-07-01-Eve.txt');
});

t.test('one part', async (t) => {
  t.equal(safeNamePart('a..b...c'), 'a.b.c');
  t.equal(safeNamePart('__a__b__'), 'a_b');
  t.equal(safeNamePart('x'.repeat(100)).length, 40);
  t.equal(safeNamePart('abc', 2), 'ab');
  t.equal(safeNamePart(undefined), '');
});

t.test('an export names each chat its own file, with its id', async (t) => {
  t.equal(exportFileName({...chat, id: '0mgxyz123-AbC_dEf'}, site, 'html'), 'chat-example.com-2026-03-29-b_Eve_b-0mgxyz123-AbC_dEf.html');
  t.not(exportFileName({...chat, id: 'a1'}, site, 'txt'), exportFileName({...chat, id: 'a2'}, site, 'txt'), 'two chats of a visitor on one day');
  for (const bad of hostile) {
    const name = exportFileName({...chat, id: bad, visitorName: bad}, site, 'txt');
    t.match(name, /^chat-[A-Za-z0-9._-]+\.txt$/, `${JSON.stringify(bad)} → ${name}`);
    t.notMatch(name, '..');
  }
  t.equal(exportFileName({...chat, id: 'op~alice~bob'}, site, 'txt'), 'chat-example.com-2026-03-29-b_Eve_b-op_alice_bob.txt', 'an id the hub would not make is reduced');
  t.equal(exportFileName({...chat, id: '~'}, site, 'txt'), 'chat-example.com-2026-03-29-b_Eve_b-chat.txt');
});

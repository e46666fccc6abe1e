// npm run bench: `cac transcripts export` of 10,000 stored chats of 20 messages each, as the CLI
// runs it (a child process, on the data folder and through a running hub): transcripts a second
// and the export's peak memory, each beside a bare loop in a child process of the same kind that
// reads the same files and writes the same bytes (the floor the disk and Node set). Figures are
// printed, never asserted. `--quick` exports 2,000.
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {addOperator} from '../dist/accounts/operators.js';
import {addSite} from '../dist/accounts/sites.js';
import {EmbeddedStore} from '../dist/store/embedded-store.js';

const CHATS = process.argv.includes('--quick') ? 2000 : 10_000;
const MESSAGES = 20;
const CHATS_PER_VISITOR = 4;
const cac = fileURLToPath(new URL('../bin/cac.js', import.meta.url));
const T0 = Date.parse('2026-01-05T08:00:00Z');

/** The data folder: a site, an operator, and CHATS ended chats written through the store. */
async function seed(dir) {
  const store = new EmbeddedStore(dir, {journal: true, log: () => {}});
  await store.open();
  await addSite(store, 'example.com', {timezone: 'Europe/London'});
  await addOperator(store, 'alice', {displayName: 'Alice Smith'});
  const one = async (i) => {
    const visitorId = `visitor${Math.floor(i / CHATS_PER_VISITOR)}`;
    const at = T0 + i * 600_000;
    if (i % CHATS_PER_VISITOR === 0) {
      await store.putVisitor({id: visitorId, site: 'example.com', tokenHash: 'h', firstSeen: at, chats: []});
      await store.appendVisit(visitorId, {id: `${visitorId}-v`, start: at, ip: '192.0.2.1', browser: 'Firefox 140', os: 'Linux', userAgent: 'Mozilla/5.0', location: 'London, United Kingdom'});
      for (const page of ['', 'pricing', 'order']) await store.appendPage(visitorId, `${visitorId}-v`, {url: `https://example.com/${page}`, title: page || 'Home', at});
    }
    const chat = {id: `${at.toString(36)}-bench${i}`, kind: 'visitor', site: 'example.com', visitorId, visitId: `${visitorId}-v`, visitorName: `Visitor ${i}`, state: 'active', owner: 'alice', operators: ['alice'], requestedAt: at, firstText: 'Hello, I have a question about my order'};
    await store.putChat(chat);
    for (let m = 0; m < MESSAGES; m++) {
      const visitor = m % 2 === 0;
      const text = visitor ? `Question ${m} about order ${i}: when will it ship, and can I change the address?` : `Answer ${m}: it ships tomorrow morning; yes, reply with the new address.`;
      await store.appendEvent(chat.id, {kind: 'msg', from: visitor ? 'visitor' : 'operator', name: visitor ? chat.visitorName : 'Alice Smith', text, at: at + m * 20_000});
    }
    await store.appendEvent(chat.id, {kind: 'end', from: 'system', name: 'Alice Smith', text: 'The operator has ended the chat', at: at + 500_000}, {...chat, state: 'ended', endedAt: at + 500_000});
  };
  for (let i = 0; i < CHATS; i += 250) await Promise.all(Array.from({length: Math.min(250, CHATS - i)}, (_, j) => one(i + j)));
  await store.close();
}

/** Runs node with `args`, stdout to `stdoutFile` if given; resolves with seconds and peak RSS (MB). */
async function measured(args, {stdoutFile, dir}) {
  const rssFile = join(dir, `rss-${process.hrtime.bigint()}`);
  const hook = join(dir, 'rss-hook.mjs');
  const out = stdoutFile ? (await import('node:fs')).openSync(stdoutFile, 'w') : 'ignore';
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', hook, ...args], {stdio: ['ignore', out, 'pipe'], env: {...process.env, RSS_FILE: rssFile}});
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}: ${stderr}`);
  return {seconds, rssMb: Number(await readFile(rssFile, 'utf8')) / 1024, stderr};
}

/** The bare loop: per chat, read its document, its log and its visitor's log; write `sizes` bytes. */
const BARE = `
import {closeSync, linkSync, openSync, readdirSync, readFileSync, unlinkSync, writeFileSync, writeSync} from 'node:fs';
import {join} from 'node:path';
const [dir, target, sizesFile] = process.argv.slice(2);
const sizes = JSON.parse(readFileSync(sizesFile, 'utf8'));
const chats = readdirSync(join(dir, 'chats')).filter((n) => n.endsWith('.json')).sort();
const stream = target === '-' ? null : target.endsWith('.out') ? openSync(target, 'w') : undefined;
chats.forEach((name, i) => {
  const doc = JSON.parse(readFileSync(join(dir, 'chats', name), 'utf8'));
  readFileSync(join(dir, 'chats', name.replace(/json$/, 'log')));
  readFileSync(join(dir, 'visitors', doc.visitorId + '.log'));
  const bytes = Buffer.alloc(sizes[i % sizes.length], 120);
  if (stream !== undefined) writeSync(stream, bytes);
  else {
    const file = join(target, name + '.html');
    writeFileSync(join(target, '.' + name + '.tmp'), bytes);
    linkSync(join(target, '.' + name + '.tmp'), file);
    unlinkSync(join(target, '.' + name + '.tmp'));
  }
});
if (stream) closeSync(stream);
`;

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const {port} = s.address();
      s.close(() => resolve(port));
    });
  });
}

function line(label, run, base) {
  const rate = CHATS / run.seconds;
  const bare = CHATS / base.seconds;
  return `  ${label.padEnd(34)} ${Math.round(rate).toLocaleString('en').padStart(6)} /s, peak ${run.rssMb.toFixed(0)} MB   (bare loop: ${Math.round(bare).toLocaleString('en')} /s, ${base.rssMb.toFixed(0)} MB; ${(run.seconds / base.seconds).toFixed(1)}x its time)`;
}

const dir = await mkdtemp(join(tmpdir(), 'cac-export-bench-'));
try {
  await writeFile(join(dir, 'rss-hook.mjs'), `import {writeFileSync} from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.RSS_FILE, String(process.resourceUsage().maxRSS)));\n`);
  await writeFile(join(dir, 'bare.mjs'), BARE);
  const data = join(dir, 'data');
  const seeding = Date.now();
  await seed(data);
  console.log(`export: ${CHATS.toLocaleString('en')} stored chats of ${MESSAGES} messages (seeded in ${((Date.now() - seeding) / 1000).toFixed(1)} s)`);

  // jsonl to a file, on the folder (no hub runs).
  const jsonl = await measured([cac, 'transcripts', 'export', '--format', 'jsonl', '--data', data], {stdoutFile: join(dir, 'all.jsonl'), dir});
  const size = (await stat(join(dir, 'all.jsonl'))).size;
  await writeFile(join(dir, 'sizes.json'), JSON.stringify([Math.round(size / CHATS)]));
  const bareStream = await measured([join(dir, 'bare.mjs'), data, join(dir, 'bare.out'), join(dir, 'sizes.json')], {dir});
  console.log(line('jsonl to stdout, no hub:', jsonl, bareStream));

  // html, a file per chat.
  const htmlDir = join(dir, 'html');
  const html = await measured([cac, 'transcripts', 'export', '--format', 'html', '--out', htmlDir, '--data', data], {dir});
  const names = await readdir(htmlDir);
  const sizes = await Promise.all(names.slice(0, 500).map(async (n) => (await stat(join(htmlDir, n))).size));
  await writeFile(join(dir, 'sizes.json'), JSON.stringify(sizes));
  const bareDir = join(dir, 'bare-html');
  await (await import('node:fs/promises')).mkdir(bareDir);
  const bareFiles = await measured([join(dir, 'bare.mjs'), data, bareDir, join(dir, 'sizes.json')], {dir});
  console.log(line('html, a file per chat, no hub:', html, bareFiles));

  // jsonl again, through a hub running on the folder.
  const port = await freePort();
  const hub = spawn(process.execPath, [cac, 'hub', '--port', String(port), '--data', data], {stdio: ['ignore', 'pipe', 'pipe']});
  try {
    await new Promise((resolve, reject) => {
      let out = '';
      hub.stdout.on('data', (d) => (out += d) && /hub listening/.test(out) && resolve());
      hub.stderr.on('data', (d) => (out += d) && /hub listening/.test(out) && resolve());
      hub.once('exit', (code) => reject(new Error(`the hub exited ${code}: ${out}`)));
    });
    const viaHub = await measured([cac, 'transcripts', 'export', '--format', 'jsonl', '--data', data], {stdoutFile: join(dir, 'hub.jsonl'), dir});
    console.log(line('jsonl to stdout, through a hub:', viaHub, bareStream));
  } finally {
    hub.kill('SIGTERM');
    await once(hub, 'exit');
  }
  console.log(`  (aim: over 5,000 /s and under 150 MB; the export's own ${(size / 1048576).toFixed(0)} MB of jsonl)`);
} finally {
  await rm(dir, {recursive: true, force: true});
}

import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import t from 'tap';
import {z} from 'zod';
import {errorCode, hubToOperator, hubToVisitor, PROTOCOL_VERSION} from '../src/protocol/index.js';
import {startTestHub} from './helpers/hub.js';
import {Peer} from './helpers/peer.js';

/** Codes in the list that nothing in src/ sends yet: the storage layer will raise them. */
const PENDING: string[] = [];

/** Every error code the source sends: thrown as a HubError, passed to fail(), or put in a frame. */
async function codesInSource(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const patterns = [/HubError\(\s*'([^']*)'/g, /\bfail\(\s*(?:res,\s*)?'([^']*)'/g, /OpError\(\s*'([^']*)'/g, /t:\s*'error',\s*code:\s*'([^']*)'/g];
  for (const name of await readdir('src', {recursive: true})) {
    if (!/\.tsx?$/.test(name)) continue;
    const source = await readFile(join('src', name), 'utf8');
    for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.set(m[1]!, name);
  }
  return found;
}

t.test('error frames carry only the listed codes, to operators and visitors alike', async (t) => {
  for (const [who, schema] of [['operator', hubToOperator], ['visitor', hubToVisitor]] as const) {
    t.ok(schema.safeParse({t: 'error', code: 'unknown_chat', message: 'no chat x', ref: 'm-1'}).success, `${who}: a listed code, with ref`);
    t.ok(schema.safeParse({t: 'error', code: 'taken', message: 'bob took this chat'}).success, `${who}: ref is optional`);
    t.notOk(schema.safeParse({t: 'error', code: 'no_such_code', message: 'x'}).success, `${who}: an unlisted code is refused`);
    t.notOk(schema.safeParse({t: 'error', code: 'chat_ended'}).success, `${who}: the message is required`);
  }
});

t.test('every code the source sends is in the list, and every listed code is sent', async (t) => {
  const sent = await codesInSource();
  t.ok(sent.size >= 20, `the search finds the codes (${sent.size})`);
  for (const [code, file] of sent) t.ok(errorCode.safeParse(code).success, `'${code}' (src/${file}) is a listed error code`);
  for (const code of errorCode.options) {
    if (PENDING.includes(code)) continue;
    t.ok(sent.has(code), `'${code}' is sent by something in src/ (else take it off the list)`);
  }
});

t.test('a test peer fails when the hub sends what the schema does not allow', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const ws = hub.url.replace('http', 'ws');

  // Operator frames read as visitor frames: `ready` is no visitor frame.
  const wrong = await Peer.connect(`${ws}/ws/operator`, hubToVisitor, {
    headers: {authorization: `Bearer ${hub.tokens.alice}`, 'x-cac-operator': 'alice'},
  });
  wrong.send({t: 'hello', v: PROTOCOL_VERSION});
  await t.rejects(wrong.waitType('ready'), /does not match the protocol: \{"t":"ready"[^]*discriminator/);
  t.throws(() => wrong.frames, /does not match the protocol/, 'its frames cannot be read either');

  // A schema that does not name a field the hub sends.
  const partial = await Peer.connect(`${ws}/ws/visitor?site=example.com`, z.object({t: z.string()}), {
    origin: 'https://example.com',
  });
  partial.send({t: 'hello', v: PROTOCOL_VERSION, site: 'example.com'});
  await t.rejects(partial.waitClosed(2000), /"t":"welcome"[^]*visitorId: not in the schema/);
});

import {mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {addOperator} from '../../src/accounts/operators.js';
import {addSite, updateSite} from '../../src/accounts/sites.js';
import type {LimitName} from '../../src/protocol/limits.js';
import {startHub, type RunningHub, type ServerOptions} from '../../src/hub/server.js';
import {PROTOCOL_VERSION} from '../../src/protocol/index.js';
import {openStore} from '../../src/cli/common.js';
import type {Store} from '../../src/store/store.js';
import {Peer} from './peer.js';
import {adminOps, hubApiFile, hubToOperator, hubToVisitor, type AdminInput, type AdminOpName, type AdminOutput} from '../../src/protocol/index.js';

export interface TestHub extends RunningHub {
  dir: string;
  tokens: Record<string, string>;
  operator(name: string, opts?: {hello?: boolean; lastSeq?: Record<string, number>}): Promise<Peer>;
  /** A visitor socket after its welcome; `hello: null` opens it without saying hello. */
  visitor(opts?: {site?: string; origin?: string; hello?: Record<string, unknown> | null; headers?: Record<string, string>}): Promise<Peer>;
}

/** Prepares a data folder with sites and operators (as the CLI would), then starts a real hub. */
export async function seedData(
  dir: string,
  operators: string[],
  sites = ['example.com'],
  limits?: Partial<Record<LimitName, number>>,
): Promise<Record<string, string>> {
  return seedStore(await openStore({data: dir}), operators, sites, limits);
}

/** Sites and operators in an open store (as the CLI would): each operator's token by name. */
export async function seedStore(
  store: Store,
  operators: string[],
  sites = ['example.com'],
  limits?: Partial<Record<LimitName, number>>,
): Promise<Record<string, string>> {
  for (const domain of sites) {
    await addSite(store, domain, {timezone: 'Europe/London'});
    if (limits) await updateSite(store, domain, {limits});
  }
  const tokens: Record<string, string> = {};
  for (const name of operators) tokens[name] = (await addOperator(store, name)).token;
  return tokens;
}

export async function startTestHub(
  options: Partial<ServerOptions> & {operators?: string[]; sites?: string[]; dir?: string; limits?: Partial<Record<LimitName, number>>} = {},
): Promise<TestHub> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'cac-hub-')));
  const tokens = options.dir ? {} : await seedData(dir, options.operators ?? ['alice', 'bob'], options.sites, options.limits);
  const running = await startHub({dataDir: dir, port: 0, visitorGraceMs: 2000, operatorGraceMs: 2000, ...options});
  const wsUrl = running.url.replace('http', 'ws');
  return {
    ...running,
    dir,
    tokens,
    async operator(name, opts = {}) {
      const peer = await Peer.connect(`${wsUrl}/ws/operator`, hubToOperator, {
        headers: {authorization: `Bearer ${tokens[name]}`, 'x-cac-operator': name},
      });
      if (opts.hello !== false) {
        peer.send({t: 'hello', v: PROTOCOL_VERSION, lastSeq: opts.lastSeq});
        await peer.waitType('ready');
      }
      return peer;
    },
    async visitor(opts = {}) {
      const site = opts.site ?? 'example.com';
      const peer = await Peer.connect(`${wsUrl}/ws/visitor?site=${encodeURIComponent(site)}`, hubToVisitor, {
        origin: opts.origin ?? `https://${site}`,
        headers: {'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36', ...opts.headers},
      });
      if (opts.hello !== null) {
        peer.send({t: 'hello', v: PROTOCOL_VERSION, site, page: {url: `https://${site}/`, title: 'Home'}, ...opts.hello});
        await peer.waitFor((f) => f.t === 'welcome' || f.t === 'error');
      }
      return peer;
    },
  };
}

/** The visitor asks to chat and `operator` accepts; resolves with the chat id once assigned. */
export async function acceptedChat(visitor: Peer, operator: Peer, text = 'hi'): Promise<string> {
  visitor.send({t: 'chat.request', id: visitor.nextId(), text});
  const {chatId} = await visitor.waitType('chat.queued');
  operator.send({t: 'chat.accept', chatId});
  await operator.waitType('chat.assigned', (f) => f.chatId === chatId);
  return chatId as string;
}

/** A fresh hub where a visitor asked to chat and alice accepted: the start of most hub tests. */
export async function chatting(
  t: {teardown(fn: () => unknown): void},
  options: Parameters<typeof startTestHub>[0] = {},
): Promise<{hub: TestHub; alice: Peer; visitor: Peer; chatId: string}> {
  const hub = await startTestHub(options);
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  const visitor = await hub.visitor();
  const chatId = await acceptedChat(visitor, alice);
  return {hub, alice, visitor, chatId};
}

/** Calls the hub's admin API as `cac` on the same machine does (the key in api.json). */
export async function adminCall<N extends AdminOpName>(hub: TestHub, name: N, input: AdminInput<N>): Promise<AdminOutput<N>> {
  const {key} = hubApiFile.parse(JSON.parse(await readFile(join(hub.dir, 'api.json'), 'utf8')));
  const res = await fetch(`${hub.url}/api/admin/${name}`, {method: 'POST', headers: {authorization: `Bearer ${key}`}, body: JSON.stringify(input)});
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return adminOps[name].output.parse(body) as AdminOutput<N>;
}

/** Limits out of the way, for tests that pose as many visitors from one address. */
export const NO_LIMITS: Partial<Record<LimitName, number>> = {
  'identities-per-minute': 100_000,
  'requests-per-minute': 100_000,
  'messages-per-hour': 100_000,
  'pages-per-minute': 100_000,
  'sockets-per-address': 100_000,
};

import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {addOperator} from '../../src/accounts/operators.js';
import {addSite} from '../../src/accounts/sites.js';
import {PROTOCOL_VERSION} from '../../src/protocol/index.js';
import {openStore} from '../../src/cli/common.js';
import type {ServerOptions} from '../../src/hub/server.js';
import {startTestHub, type TestHub} from './hub.js';
import {freePort} from './spawn.js';
import {Peer} from './peer.js';
import {hubToOperator} from '../../src/protocol/index.js';

export interface Operator {
  name: string;
  displayName?: string;
}

/**
 * A data folder laid out as `cac start` does: site `localhost` (alias 127.0.0.1) whose links
 * resolve against the hub's own demo pages, plus operators. Returns their login tokens.
 */
export async function seedWidgetData(
  dir: string,
  port: number,
  operators: Operator[] = [{name: 'alice', displayName: 'Alice'}],
  timezone = 'Europe/London',
): Promise<Record<string, string>> {
  const store = await openStore({data: dir});
  await addSite(store, 'localhost', {aliases: ['127.0.0.1'], timezone, url: `http://localhost:${port}/demo/`});
  const tokens: Record<string, string> = {};
  for (const op of operators) tokens[op.name] = (await addOperator(store, op.name, {displayName: op.displayName})).token;
  await store.close();
  return tokens;
}

/** An operator connection to a hub at `base` (http://host:port), after its ready frame; `headers` are added to the upgrade. */
export async function connectOperator(
  base: string,
  name: string,
  token: string,
  lastSeq?: Record<string, number>,
  headers: Record<string, string> = {},
): Promise<Peer> {
  const peer = await Peer.connect(`${base.replace('http', 'ws')}/ws/operator`, hubToOperator, {
    headers: {...headers, authorization: `Bearer ${token}`, 'x-cac-operator': name},
  });
  peer.send({t: 'hello', v: PROTOCOL_VERSION, lastSeq});
  await peer.waitType('ready');
  return peer;
}

export interface WidgetHub extends TestHub {
  /** The demo site's origin as the browser sees it: http://localhost:PORT */
  origin: string;
  connect(name?: string, lastSeq?: Record<string, number>): Promise<Peer>;
}

/**
 * An in-process hub for the widget tests, on a port chosen first so the site url can name it; the
 * other hub options (trustProxy, timers, visitTimeoutMs...) as given. Closing it removes its data.
 */
export async function startWidgetHub(
  options: Omit<Partial<ServerOptions>, 'dataDir' | 'port'> & {operators?: Operator[]} = {},
): Promise<WidgetHub> {
  const {operators, ...hubOptions} = options;
  const dir = await mkdtemp(join(tmpdir(), 'cac-widget-'));
  const port = await freePort();
  const tokens = await seedWidgetData(dir, port, operators);
  const hub = await startTestHub({visitorGraceMs: 5000, ...hubOptions, dir, port});
  const origin = `http://localhost:${hub.port}`;
  return {
    ...hub,
    tokens,
    origin,
    connect: (name = 'alice', lastSeq) => connectOperator(hub.url, name, tokens[name]!, lastSeq),
    async close() {
      await hub.close();
      await rm(dir, {recursive: true, force: true});
    },
  };
}

import type {ChatSummary, HubToOperator, VisitorSummary} from '../protocol/index.js';
import {cannedFor} from './canned.js';
import type {Conn} from './conn.js';
import type {Hub} from './hub.js';
import {summaryOf} from './ring.js';

type Ready = Extract<HubToOperator, {t: 'ready'}>;

/**
 * The lists every operator watching the same sites is sent alike, with their JSON as bytes:
 * encoding (or copying) megabytes of JSON for each operator signing in cost more than making it
 * once; each operator's frame is sent as its own part, then these bytes, then the end.
 */
interface Shared {
  visitors: VisitorSummary[];
  chats: ChatSummary[];
  bytes: Buffer;
}

/**
 * Shared lists by the sites they were made for, valid while `version` is the sessions' view
 * version: anything an operator's list shows changes only with a frame to operators, and every
 * such frame moves the version on. A hundred operators signing in to ten thousand visitors then
 * cost one serialisation of the lists, not a hundred.
 */
const caches = new WeakMap<Hub, {version: number; bySites: Map<string, Shared>}>();

/**
 * When lists were last made and what that cost. While visitors keep changing them (ten thousand
 * coming back after a restart as a hundred operators sign in), every sign-in would make them
 * afresh: 25 ms each there, 2.5 s of the hub's time. A sign-in coming sooner after a making
 * than nine times its cost waits for the next one and shares it, so making lists never takes
 * more than a tenth of the hub's time; the wait is what a making costs, a few ms to a few
 * hundred. Real time on purpose: this shares the processor, whatever clock the hub runs on.
 */
interface Makings {
  cost: number;
  doneAt: number;
  waiting: Array<() => void>;
  timer?: NodeJS.Timeout;
}
const makings = new WeakMap<Hub, Makings>();
const SHARE = 10;
const MAX_WAIT_MS = 1000;

/** Resolves when this sign-in may have its lists made; undefined when it may now. */
export function listsTurn(hub: Hub): Promise<void> | undefined {
  const m = makings.get(hub);
  if (!m || hub.cluster || caches.get(hub)?.version === hub.sessions.viewVersion) return undefined;
  const wait = Math.min(MAX_WAIT_MS, m.doneAt + (SHARE - 1) * m.cost - performance.now());
  if (wait <= 0 && !m.timer) return undefined;
  return new Promise((resolve) => {
    m.waiting.push(resolve);
    m.timer ??= setTimeout(
      () => {
        m.timer = undefined;
        // All of them now, one after another with nothing in between: one making serves them.
        for (const go of m.waiting.splice(0)) go();
      },
      Math.max(0, wait),
    );
    m.timer.unref();
  });
}

function timed(hub: Hub, make: () => Shared): Shared {
  const started = performance.now();
  const shared = make();
  const doneAt = performance.now();
  const m = makings.get(hub);
  if (m) Object.assign(m, {cost: doneAt - started, doneAt});
  else makings.set(hub, {cost: doneAt - started, doneAt, waiting: []});
  return shared;
}

function sharedLists(hub: Hub, me: string): Shared {
  const s = hub.sessions;
  const sites = s.operators.get(me)?.sites ?? [];
  const mine = (site: string) => s.monitors(me, site);
  const make = (): Shared => {
    const visitors = [...s.visitors.values(), ...(hub.cluster?.remoteVisitors() ?? [])]
      .map((v) => ('record' in v ? s.visitorSummary(v) : v))
      .filter((v) => mine(v.site));
    const chats = [...hub.chats.open.values()].filter(({chat: c}) => c.kind !== 'op' && mine(c.site) && c.state !== 'ended').map((open) => summaryOf(hub, open));
    return {visitors, chats, bytes: Buffer.from(`"visitors":${JSON.stringify(visitors)},"chats":${JSON.stringify(chats)}`)};
  };
  // With other hubs, their visitors come and go with no frame here: made afresh every time.
  if (hub.cluster) return make();
  let cache = caches.get(hub);
  if (cache?.version !== s.viewVersion) caches.set(hub, (cache = {version: s.viewVersion, bySites: new Map()}));
  const key = sites.join('\n');
  let shared = cache.bySites.get(key);
  if (!shared) cache.bySites.set(key, (shared = timed(hub, make)));
  return shared;
}

/** Everything a client needs to draw its screen, sent once after hello; its JSON made from shared parts. */
export function snapshot(hub: Hub, me: string): {frame: Ready; parts: Buffer[]} {
  const s = hub.sessions;
  const mine = (site: string) => s.monitors(me, site);
  const shared = sharedLists(hub, me);
  const own = [...hub.chats.open.values()].filter(({chat: c}) => c.kind === 'op' && c.members?.includes(me)).map((open) => summaryOf(hub, open));
  const rest = {
    t: 'ready' as const,
    me: s.operatorSummary(me),
    hub: 'cac',
    operators: [...s.operators.keys()].filter((n) => n !== me).map((n) => s.operatorSummary(n)),
    messages: hub.globals.messages.messages.filter((m) => mine(m.site)).slice(-100),
    canned: cannedFor(hub, me),
  };
  const frame: Ready = {...rest, visitors: shared.visitors, chats: [...shared.chats, ...own]};
  // The operator's own chats join the shared list of chats, in place of its closing bracket.
  const lists = own.length === 0 ? [shared.bytes] : [shared.bytes.subarray(0, -1), Buffer.from(`${shared.chats.length > 0 ? ',' : ''}${JSON.stringify(own).slice(1)}`)];
  return {frame, parts: [Buffer.from(`${JSON.stringify(rest).slice(0, -1)},`), ...lists, Buffer.from('}')]};
}

/** Sends an operator's socket its snapshot. */
export function sendSnapshot(hub: Hub, conn: Conn<HubToOperator>, me: string): void {
  const {frame, parts} = snapshot(hub, me);
  conn.send(frame, parts);
}

import {presentVisitor, type Deadline} from '../protocol/cluster.js';
import type {VisitorSummary} from '../protocol/index.js';
import {RECONNECT_MAX_MS, type RedisLink} from './redis.js';

const HUBS = 'cac:hubs';
/** Kept as long as Redis keeps its memory: missing, Redis is new or came back empty. */
const EPOCH = 'cac:epoch';
/** Set, for a while, when Redis was found new or empty (see settleIfEmpty). */
const SETTLING = 'cac:presence-settling';
const beatKey = (hub: string) => `cac:hub:${hub}`;
const opsKey = (hub: string) => `cac:ops:${hub}`;
const visitorsKey = (hub: string) => `cac:visitors:${hub}`;

interface RemoteVisitor {
  hub: string;
  summary: VisitorSummary;
}

/** Makes `into` hold what `from` holds, with no await between (nobody sees it half-made). */
function replace<K, V>(into: Map<K, V>, from: Map<K, V>): void {
  into.clear();
  for (const [k, v] of from) into.set(k, v);
}

export interface PresenceOptions {
  hubId: string;
  /** How often this hub says it is alive; it is taken for dead after `deadAfterMs` of silence. */
  beatMs: number;
  deadAfterMs: number;
}

/**
 * Who is connected to which hub, in Redis keys each hub refreshes: its heartbeat (a key that
 * expires, so a dead hub's vanishes by itself), its operators and its visitors. Other hubs keep
 * a copy for their lists and for ringing; when a heartbeat is gone, one hub (the one that
 * takes it off the list of hubs) adopts the dead hub's sockets: each gets the grace period it
 * would have had, on the shared deadlines.
 */
export class Presence {
  /** Operators connected to each other hub. */
  readonly operators = new Map<string, Set<string>>();
  /** Visitors each other hub serves, as it last said (for lists; Redis holds who is connected). */
  readonly visitors = new Map<string, RemoteVisitor>();
  private myOperators: string[] = [];

  constructor(
    private readonly redis: RedisLink,
    private readonly options: PresenceOptions,
    private readonly events: {
      /** Another hub's operators changed (joined, died): lists and availability change. */
      operatorsChanged(): void;
      /** Deadlines for a dead hub's sockets. */
      adopt(deadlines: Deadline[]): void;
      log(line: string): void;
    },
  ) {}

  /**
   * Says this hub is alive, and finds hubs that are not. True when this hub was not on the list
   * of hubs (Redis came back empty, or others took it for dead): what it keeps there is gone.
   */
  async beat(): Promise<boolean> {
    const {hubId, deadAfterMs} = this.options;
    const keep = Math.ceil((deadAfterMs * 4) / 1000);
    const done = await this.redis.cmd
      .multi()
      .set(beatKey(hubId), '1', 'PX', deadAfterMs)
      .sadd(HUBS, hubId)
      .expire(opsKey(hubId), keep)
      .expire(visitorsKey(hubId), keep)
      .exec();
    const missing = done?.[1]?.[1] === 1;
    const hubs = await this.redis.cmd.smembers(HUBS);
    const alive = new Set<string>();
    for (const other of hubs) {
      if (other === hubId) continue;
      if ((await this.redis.cmd.exists(beatKey(other))) === 1) {
        alive.add(other);
        await this.refreshOperators(other);
        continue;
      }
      this.forget(other);
      // Taking it off the list is taking on its sockets: one hub gets 1 back.
      if ((await this.redis.cmd.srem(HUBS, other)) === 1) await this.adopt(other);
    }
    // A hub another one found dead first is off the list already: forget it here too.
    for (const known of [...this.operators.keys()]) if (!alive.has(known)) this.forget(known);
    return missing;
  }

  /**
   * Reads every other hub's operators and visitors again (at start, and after Redis was lost).
   * What is read goes in at once at the end: a list made meanwhile (an operator saying hello)
   * still has everyone. What the bus told meanwhile is newer than this read, and stays.
   */
  async rebuild(): Promise<void> {
    const before = new Map(this.visitors);
    await this.settleIfEmpty();
    const operators = new Map<string, Set<string>>();
    const visitors = new Map<string, RemoteVisitor>();
    const hubs = (await this.redis.cmd.smembers(HUBS)).filter((h) => h !== this.options.hubId);
    for (const other of hubs) if ((await this.redis.cmd.exists(beatKey(other))) === 1) await this.read(other, operators, visitors);
    for (const [id, v] of this.visitors) if (before.get(id) !== v) visitors.set(id, v);
    for (const id of before.keys()) if (!this.visitors.has(id)) visitors.delete(id);
    replace(this.operators, operators);
    replace(this.visitors, visitors);
    await this.publishOperators(this.myOperators);
    this.events.operatorsChanged();
  }

  /** Reads what one hub keeps in Redis (it has just written it again: it said hello). */
  async reread(other: string): Promise<void> {
    await this.read(other, this.operators, this.visitors);
    this.events.operatorsChanged();
  }

  private async read(other: string, operators: Map<string, Set<string>>, visitors: Map<string, RemoteVisitor>): Promise<void> {
    operators.set(other, new Set(await this.redis.cmd.smembers(opsKey(other))));
    for (const [id, raw] of Object.entries(await this.redis.cmd.hgetall(visitorsKey(other)))) {
      const parsed = presentVisitor.safeParse(JSON.parse(raw));
      if (parsed.success) visitors.set(id, {hub: other, summary: parsed.data});
    }
  }

  /**
   * Another hub's operators as Redis holds them. What it publishes can be missed (said before
   * this hub listened) or overtaken (a reread's older answer handled after it): read at every
   * beat, its operators are right here within one, and only a change is told.
   */
  private async refreshOperators(other: string): Promise<void> {
    const names = new Set(await this.redis.cmd.smembers(opsKey(other)));
    const known = this.operators.get(other);
    if (known && known.size === names.size && [...names].every((n) => known.has(n))) return;
    this.operators.set(other, names);
    this.events.operatorsChanged();
  }

  /** The operators connected here now. */
  async publishOperators(names: string[]): Promise<void> {
    this.myOperators = names;
    const key = opsKey(this.options.hubId);
    const tx = this.redis.cmd.multi().del(key);
    if (names.length > 0) tx.sadd(key, ...names);
    await tx.exec();
  }

  setVisitor(summary: VisitorSummary): void {
    this.redis.cmd.hset(visitorsKey(this.options.hubId), summary.id, JSON.stringify(summary)).catch(() => {});
  }

  dropVisitor(id: string): void {
    this.redis.cmd.hdel(visitorsKey(this.options.hubId), id).catch(() => {});
  }

  /**
   * Redis new or back empty holds nobody's presence: each live hub writes its own again once it
   * has reconnected (within RECONNECT_MAX_MS) and beaten (a hub silent for deadAfterMs is dead
   * anyway). Until then a visitor or operator on a hub not back yet would look gone, and its
   * deadline, written back by the hub that set it, would end a chat being held: so for that
   * long, presence is not settled.
   */
  private async settleIfEmpty(): Promise<void> {
    if ((await this.redis.cmd.set(EPOCH, '1', 'NX')) !== 'OK') return;
    await this.redis.cmd.set(SETTLING, '1', 'PX', this.options.deadAfterMs + RECONNECT_MAX_MS);
  }

  /** Whether every live hub has had time to write its presence since Redis was last found empty. */
  async settled(): Promise<boolean> {
    return (await this.redis.cmd.exists(SETTLING)) === 0;
  }

  /** Whether a visitor has a socket on another live hub now (asked when its grace runs out). */
  async visitorElsewhere(id: string): Promise<boolean> {
    for (const other of await this.redis.cmd.smembers(HUBS)) {
      if (other === this.options.hubId || (await this.redis.cmd.exists(beatKey(other))) !== 1) continue;
      if ((await this.redis.cmd.hexists(visitorsKey(other), id)) === 1) return true;
    }
    return false;
  }

  /** Another hub said who its operators are. */
  operatorsOf(hub: string, names: string[]): void {
    this.operators.set(hub, new Set(names));
    this.events.operatorsChanged();
  }

  /** Operators connected to any other hub. */
  remoteOperators(): Set<string> {
    const all = new Set<string>();
    for (const names of this.operators.values()) for (const n of names) all.add(n);
    return all;
  }

  async leave(): Promise<void> {
    const {hubId} = this.options;
    await this.redis.cmd.multi().srem(HUBS, hubId).del(beatKey(hubId), opsKey(hubId), visitorsKey(hubId)).exec();
  }

  /** A dead hub's operators are no longer connected; its visitors stay listed until they leave. */
  private forget(hub: string): void {
    if (this.operators.delete(hub)) this.events.operatorsChanged();
    for (const v of this.visitors.values()) if (v.hub === hub) v.summary = {...v.summary, online: false};
  }

  private async adopt(dead: string): Promise<void> {
    const ops = await this.redis.cmd.smembers(opsKey(dead));
    const visitors = await this.redis.cmd.hgetall(visitorsKey(dead));
    const deadlines: Deadline[] = ops.map((operator) => ({kind: 'operator', operator}));
    for (const raw of Object.values(visitors)) {
      const parsed = presentVisitor.safeParse(JSON.parse(raw));
      if (parsed.success) deadlines.push({kind: 'visitor', visitorId: parsed.data.id, site: parsed.data.site});
    }
    this.events.log(`hub ${dead} is gone: ${ops.length} operators and ${deadlines.length - ops.length} visitors get their grace period here`);
    this.events.adopt(deadlines);
    await this.redis.cmd.del(opsKey(dead), visitorsKey(dead));
  }
}

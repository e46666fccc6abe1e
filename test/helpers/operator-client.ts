import {randomUUID} from 'node:crypto';
import {Connection} from '../../src/client/connection.js';
import {resumeSeq} from '../../src/client/pane-events.js';
import type {Action} from '../../src/client/state.js';
import type {ChatEvent, HubToOperator} from '../../src/protocol/index.js';
import {canonical} from './canonical.js';

/**
 * The operator client's own connection (src/client/connection.ts: backoff, hello with the last
 * seq of every chat, unacked messages resent with their ids after each reconnect), with what it
 * dispatches recorded in place of the screen: each chat's events by seq, the acks, the errors.
 */
export class OperatorClient {
  readonly conn: Connection;
  /** Every chat as this client has it, each seq once. */
  readonly views = new Map<string, Map<number, ChatEvent>>();
  /** Seq and chat the hub acknowledged for each message id, as the acks came. */
  readonly acks = new Map<string, {chatId: string; seq: number}>();
  readonly frames: HubToOperator[] = [];
  /** An event that came twice with different content. */
  readonly problems: string[] = [];
  /** Times the hub answered hello: 1 for the first connection, one more for each resume. */
  readies = 0;
  connected = false;

  constructor(
    hub: string,
    readonly name: string,
    token: string,
    delays: {minDelayMs: number; maxDelayMs: number} = {minDelayMs: 100, maxDelayMs: 1000},
  ) {
    this.conn = new Connection({
      hub,
      operator: name,
      token,
      dispatch: (action) => this.dispatch(action),
      // As the real client does (src/client/run.tsx), from each chat's events in seq order.
      lastSeq: () => Object.fromEntries([...this.views.keys()].map((chatId) => [chatId, resumeSeq(this.events(chatId))])),
      ...delays,
    });
  }

  start(): void {
    this.conn.start();
  }

  stop(): void {
    this.conn.stop();
  }

  say(chatId: string, text: string): string {
    const id = `o-${randomUUID()}`;
    this.conn.send({t: 'msg', id, chatId, text});
    return id;
  }

  /** A message to another operator (their conversation's id is made by the hub). */
  sayTo(to: string, text: string): string {
    const id = `o-${randomUUID()}`;
    this.conn.send({t: 'op.msg', id, to, text});
    return id;
  }

  /** The events of a chat as this client shows them, in seq order. */
  events(chatId: string): ChatEvent[] {
    return [...(this.views.get(chatId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }

  errors(): HubToOperator[] {
    return this.frames.filter((f) => f.t === 'error');
  }

  async until(check: () => boolean, seconds = 60): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`operator ${this.name}: condition not met in ${seconds} s; last frames ${JSON.stringify(this.frames.slice(-5)).slice(0, 800)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private dispatch(action: Action): void {
    if (action.type === 'conn') this.connected = action.status === 'connected';
    // Events that came together are dispatched as one action: each is a frame the hub sent.
    if (action.type === 'events') for (const e of action.events) this.dispatch({type: 'hub', frame: {t: 'ev', chatId: action.chatId, e}});
    if (action.type !== 'hub') return;
    const f = action.frame;
    this.frames.push(f);
    if (f.t === 'ready') this.readies++;
    if (f.t === 'ack') this.acks.set(f.id, {chatId: f.chatId, seq: f.seq});
    if (f.t !== 'ev') return;
    let view = this.views.get(f.chatId);
    if (!view) this.views.set(f.chatId, (view = new Map()));
    const before = view.get(f.e.seq);
    if (before && canonical(before) !== canonical(f.e)) {
      this.problems.push(`${f.chatId} seq ${f.e.seq} came as ${JSON.stringify(before)} and as ${JSON.stringify(f.e)}`);
    }
    view.set(f.e.seq, f.e);
  }
}

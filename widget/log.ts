import type {ChatEvent, VisitorToHub} from '../src/protocol/index.js';
import {load, save} from './store.js';
import {isHttp} from './tabs.js';
import {line} from './view.js';

/** The frames the hub confirms by id (`ack` or `offline.stored`), kept until it does. */
export type Out = Extract<VisitorToHub, {t: 'chat.request' | 'msg' | 'offline.message'}>;

/** Past this, an unconfirmed frame is given up rather than resent on every page for ever. */
const GIVE_UP_MS = 24 * 3600_000;
const made = (id: string) => parseInt(id.split('-')[0]!, 36);

// Frames with an id wait in localStorage until the hub confirms them, so a message typed while
// disconnected, or just before navigating away, is sent after the next welcome by whichever tab
// gets there first. The hub ignores a second copy of an id, so resending is safe.
export const outbox = () => (load<Out[]>('out') ?? []).filter((f) => !(Date.now() - made(f.id) > GIVE_UP_MS));
export const enqueue = (out: Out) => save('out', [...outbox(), out]);
export const done = (id: string) => save('out', outbox().filter((f) => f.id !== id));

/**
 * The chat as shown: events by seq, each once however often the hub replays it, followed by the
 * visitor's own messages the hub has not confirmed yet.
 */
export class Transcript {
  lastSeq = 0;
  private seen = new Set<number>();
  private pending = new Map<string, HTMLElement>();
  private seqs = new WeakMap<Element, number>();

  constructor(private readonly log: HTMLElement) {}

  /** A new chat: forget the old one's lines (unconfirmed messages stay). */
  clear(): void {
    const keep = new Set(this.pending.values());
    for (const node of Array.from(this.log.children)) if (!keep.has(node as HTMLElement)) node.remove();
    this.seen.clear();
    this.lastSeq = 0;
  }

  /** Shows a chat event unless it is already shown; false if it was. */
  event(e: ChatEvent): boolean {
    if (this.seen.has(e.seq)) return false;
    const late = e.seq < this.lastSeq;
    this.seen.add(e.seq);
    this.lastSeq = Math.max(this.lastSeq, e.seq);
    if (e.id) {
      this.drop(e.id);
      done(e.id);
    }
    const text = String(e.text);
    const name = String(e.name);
    let node: HTMLElement;
    if (e.kind === 'msg') node = e.from === 'visitor' ? line('v', 'You', text) : line('o', name, text);
    else if (e.kind === 'link') node = line('o', name, 'Sent you a page:', e.url && isHttp(e.url) ? e.url : undefined);
    else if (e.kind === 'left') node = line('y', '', 'You have left the chat.');
    else node = line('y', '', text);
    this.seqs.set(node, e.seq);
    this.add(node, false, late ? e.seq : undefined);
    return true;
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  addPending(id: string, text: string): void {
    const node = line('v', 'You', text);
    node.classList.add('q');
    this.pending.set(id, node);
    this.add(node, true);
  }

  drop(id: string): void {
    this.pending.get(id)?.remove();
    this.pending.delete(id);
  }

  dropAll(): void {
    for (const id of [...this.pending.keys()]) this.drop(id);
  }

  private add(node: HTMLElement, pending: boolean, late?: number): void {
    let next: Element | null = pending ? null : (this.pending.values().next().value ?? null);
    // An event that arrives after a later one (each hub sends what it stored at once, so one
    // stored on another hub can come second) goes in its place.
    if (late !== undefined) next = Array.from(this.log.children).find((n) => (this.seqs.get(n) ?? 0) > late) ?? next;
    this.log.insertBefore(node, next);
    this.log.scrollTop = this.log.scrollHeight;
  }
}

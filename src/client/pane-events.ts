import type {ChatEvent} from '../protocol/index.js';
import type {Pane} from './state.js';

/** Where an event numbered `seq` is, or would go, in events sorted by seq. */
function indexOf(events: readonly ChatEvent[], seq: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (events[mid]!.seq < seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The events of `incoming` a pane does not hold yet, once each, in the order they came. */
export function freshEvents(held: readonly ChatEvent[], incoming: readonly ChatEvent[]): ChatEvent[] {
  const fresh: ChatEvent[] = [];
  const taken = new Set<number>();
  for (const e of incoming) {
    if (taken.has(e.seq) || holds(held, e.seq)) continue;
    taken.add(e.seq);
    fresh.push(e);
  }
  return fresh;
}

/**
 * A pane's history with fresh events added, sorted by seq. Events mostly come in order (a
 * replay, then one at a time): those are one copy of the history, where checking each against
 * every event held and copying the history for each made a replay cost the square of its length
 * (a client starting on an operator chat of 50,000 events spent 20 s on it).
 */
export function withEvents(held: readonly ChatEvent[], fresh: readonly ChatEvent[]): ChatEvent[] {
  let last = held.at(-1)?.seq ?? 0;
  for (const e of fresh) {
    if (e.seq < last) return [...held, ...fresh].sort((a, b) => a.seq - b.seq);
    last = e.seq;
  }
  return held.concat(fresh);
}

/** Whether the event numbered `seq` is held. */
export function holds(held: readonly ChatEvent[], seq: number): boolean {
  return held[indexOf(held, seq)]?.seq === seq;
}

/** The lines of an operator chat's past shown when its pane opens part-way through it. */
export const OP_HISTORY = 100;

/**
 * The seq after which a pane holds its chat: 0 (from the start), or for an operator chat pane
 * opened part-way through, `OP_HISTORY` lines before its first. The chat may be years long: only
 * its last lines are fetched, and after a reconnect only from there on (the whole chat was sent
 * again each time).
 */
export function paneStart(pane: Pick<Pane, 'firstSeen'>): number {
  return pane.firstSeen === undefined ? 0 : Math.max(0, pane.firstSeen - 1 - OP_HISTORY);
}

/**
 * The seq after which the hub should send a chat's events again for a pane: the last of the
 * unbroken run from the pane's start. A hole is an event a dropped socket lost while later ones
 * arrived (a live event can overtake a replay), and the hub must replay from there; the highest
 * seq held would skip the hole for good.
 */
export function resumeSeq(events: ReadonlyArray<{seq: number}>, from = 0): number {
  let seq = from;
  for (const e of events) {
    if (e.seq > seq + 1) break;
    seq = Math.max(seq, e.seq);
  }
  return seq;
}

/**
 * Panes that have just opened part-way through their chat, and the seq to ask the hub for their
 * events after (their past): once, when `firstSeen` is set.
 */
export function historyToAsk(before: readonly Pane[], after: readonly Pane[]): Array<{chatId: string; after: number}> {
  return after
    .filter((p) => p.firstSeen !== undefined && !before.some((b) => b.chatId === p.chatId && b.firstSeen === p.firstSeen))
    .map((p) => ({chatId: p.chatId, after: paneStart(p)}));
}

import type {ChatEvent} from '../protocol/index.js';
import type {ChatRecord} from '../store/types.js';

interface Waiting {
  chat: ChatRecord;
  e: ChatEvent;
}

interface ChatLine {
  /** Every event up to this seq went to the sockets here. */
  done: number;
  waiting: Map<number, Waiting>;
  timer?: NodeJS.Timeout;
}

/**
 * Gives the sockets of this hub each event of a chat once and in seq order, whichever hub stored
 * it. Events stored on two hubs at once reach each hub in either order; one that comes early
 * waits for those before it (a chat's seqs have no gaps: the store numbers them one by one),
 * and a gap that lasts (a message Redis lost) is filled from the store. Widgets resume after
 * the highest seq they were given, so they must never be given one before an earlier one.
 */
export class Sequencer {
  private readonly chats = new Map<string, ChatLine>();

  constructor(
    private readonly deliver: (chat: ChatRecord, e: ChatEvent) => void,
    private readonly read: (chatId: string, after: number) => Promise<ChatEvent[]>,
    private readonly log: (line: string) => void,
    private readonly gapMs = 300,
  ) {}

  /** The chat's events up to `seq` were there before this hub served it. */
  start(chatId: string, seq: number): void {
    if (!this.chats.has(chatId)) this.chats.set(chatId, {done: seq, waiting: new Map()});
  }

  push(chat: ChatRecord, e: ChatEvent): void {
    let line = this.chats.get(chat.id);
    if (!line) this.chats.set(chat.id, (line = {done: 0, waiting: new Map()}));
    if (e.seq <= line.done || line.waiting.has(e.seq)) return;
    line.waiting.set(e.seq, {chat, e});
    this.drain(chat.id, line);
  }

  /** Every event up to this one went to the sockets here. */
  upTo(chatId: string): number {
    return this.chats.get(chatId)?.done ?? 0;
  }

  stop(): void {
    for (const line of this.chats.values()) clearTimeout(line.timer);
  }

  private drain(chatId: string, line: ChatLine): void {
    for (let next = line.waiting.get(line.done + 1); next; next = line.waiting.get(line.done + 1)) {
      line.waiting.delete(++line.done);
      this.deliver(next.chat, next.e);
      // An ended visitor chat gets no more events: let go of it.
      if (next.chat.kind === 'visitor' && next.chat.state === 'ended' && line.waiting.size === 0) {
        clearTimeout(line.timer);
        this.chats.delete(chatId);
        return;
      }
    }
    if (line.waiting.size === 0) {
      clearTimeout(line.timer);
      line.timer = undefined;
    } else {
      line.timer ??= setTimeout(() => this.fill(chatId, line), this.gapMs);
    }
  }

  /** A gap that did not close by itself: the store has what is missing. */
  private fill(chatId: string, line: ChatLine): void {
    line.timer = undefined;
    const newest = [...line.waiting.values()].reduce((a, b) => (b.e.seq > a.e.seq ? b : a));
    this.read(chatId, line.done).then(
      (events) => {
        for (const e of events) if (e.seq < newest.e.seq) this.push(newest.chat, e);
        if (line.waiting.size > 0 && !line.timer) line.timer = setTimeout(() => this.fill(chatId, line), this.gapMs);
      },
      (error: unknown) => {
        this.log(`events of ${chatId} after ${line.done}: ${String(error)}`);
        line.timer = setTimeout(() => this.fill(chatId, line), this.gapMs * 10);
      },
    );
  }
}

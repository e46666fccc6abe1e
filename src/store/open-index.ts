import {dirname} from 'node:path';
import {z} from 'zod';
import {readJSON, syncDir, writeDurably} from './durable-file.js';
import type {JournalRecord} from './journal.js';
import {chatRecord, type ChatRecord, type StoredChat} from './types.js';

const indexSchema = z.object({chats: z.array(z.object({chat: chatRecord, lastSeq: z.number().int().nonnegative()}))});

const chatDoc = /^chats\/([\w~-]+)\.json$/;
const chatLog = /^chats\/([\w~-]+)\.log$/;

function isOpen(chat: ChatRecord): boolean {
  return chat.kind === 'op' || chat.state !== 'ended';
}

/**
 * The chats a hub serves from the start (not ended, and operator chats), with their last event
 * number, in one small file: a hub starts by reading it, never every chat ever stored. Kept in
 * memory, written by the checkpoint when it changed; after a crash the journal's leftovers bring
 * it up to date. Each entry keeps the JSON it was given, so writing it costs no serialising.
 */
export class OpenIndex {
  private readonly entries = new Map<string, {chat: ChatRecord; text: string; lastSeq: number}>();
  private dirty = false;

  constructor(
    readonly file: string,
    readonly tmpDir: string,
  ) {}

  /** Reads the index (or rebuilds it with `scan` when it is missing), then applies leftovers. */
  async load(scan: () => Promise<StoredChat[]>, leftovers: JournalRecord[]): Promise<void> {
    const stored = await readJSON(this.file, indexSchema);
    for (const s of stored?.chats ?? (await scan())) this.put(s.chat, undefined, s.lastSeq);
    this.dirty = !stored;
    for (const r of leftovers) {
      const doc = chatDoc.exec(r.f);
      if (r.k === 'd' && doc) this.put(chatRecord.parse(JSON.parse(r.text)), r.text);
      const log = chatLog.exec(r.f);
      if (r.k === 'l' && log) this.seen(log[1]!, r.n);
    }
  }

  put(chat: ChatRecord, text = JSON.stringify(chat), lastSeq?: number): void {
    const old = this.entries.get(chat.id);
    this.dirty = true;
    if (!isOpen(chat)) {
      this.entries.delete(chat.id);
      return;
    }
    this.entries.set(chat.id, {chat: JSON.parse(text) as ChatRecord, text, lastSeq: lastSeq ?? old?.lastSeq ?? 0});
  }

  seen(id: string, seq: number): void {
    const entry = this.entries.get(id);
    if (entry && seq > entry.lastSeq) {
      entry.lastSeq = seq;
      this.dirty = true;
    }
  }

  remove(id: string): void {
    if (this.entries.delete(id)) this.dirty = true;
  }

  get(id: string): StoredChat | undefined {
    const entry = this.entries.get(id);
    return entry && {chat: JSON.parse(entry.text) as ChatRecord, lastSeq: entry.lastSeq};
  }

  all(): StoredChat[] {
    return [...this.entries.keys()].map((id) => this.get(id)!);
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const body = [...this.entries.values()].map((e) => `{"chat":${e.text},"lastSeq":${e.lastSeq}}`).join(',\n');
    try {
      await writeDurably(this.file, `{"chats":[\n${body}\n]}\n`, this.tmpDir);
      await syncDir(dirname(this.file));
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }
}

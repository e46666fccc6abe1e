import {readdir} from 'node:fs/promises';
import {join} from 'node:path';
import type {ZodType} from 'zod';
import {listChatIds} from './chat-files.js';
import {readJSON} from './durable-file.js';
import type {LogReader} from './log-reader.js';
import type {Pending} from './pending.js';
import {visitorPageOf} from './query.js';
import type {ReadLayer} from './read-layer.js';
import type {VisitorPage} from './store.js';
import {chatRecord, visitorRecord, type StoredChat, type VisitorRecord} from './types.js';

/**
 * The data folder's small documents (a chat's, a visitor's, without their logs) as they stand:
 * the version the journal holds, else the file's, each checked against its schema.
 */
export class FolderDocs {
  constructor(
    private readonly dir: string,
    private readonly pending: Pending,
    private readonly reads: ReadLayer,
    private readonly reader: LogReader,
  ) {}

  async read<T>(f: string, schema: ZodType<T>): Promise<T | null> {
    const held = this.pending.doc(f);
    if (held !== undefined) return schema.parse(JSON.parse(held));
    return readJSON(join(this.dir, f), schema, this.reads);
  }

  /**
   * The chats not ended (an operators' chat never ends), each with its last seq, found by reading
   * every chat's document: what the index of open chats is made from where there is none.
   */
  async scanOpenChats(): Promise<StoredChat[]> {
    const found: StoredChat[] = [];
    for (const id of await listChatIds(this.dir)) {
      const chat = await this.read(`chats/${id}.json`, chatRecord);
      if (chat && (chat.kind === 'op' || chat.state !== 'ended')) found.push({chat, lastSeq: await this.reader.last(`chats/${id}.log`)});
    }
    return found;
  }

  /** A page of the folder's visitors, those only the journal holds yet included; a damaged document is left out. */
  async listVisitors(query: {site?: string}, cursor: string | undefined, limit: number): Promise<VisitorPage> {
    const ids = new Set((await readdir(join(this.dir, 'visitors')).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)));
    for (const f of this.pending.docFiles()) if (/^visitors\/[\w~-]+\.json$/.test(f)) ids.add(f.slice(9, -5));
    const visitors: VisitorRecord[] = [];
    for (const id of ids) {
      const v = await this.read(`visitors/${id}.json`, visitorRecord).catch(() => null);
      if (v) visitors.push(v);
    }
    return visitorPageOf(visitors, query, cursor, limit);
  }
}

import {readdir, unlink} from 'node:fs/promises';
import {join} from 'node:path';
import {listChatIds} from './chat-files.js';
import {syncDir, writeDurably} from './durable-file.js';
import {readLog, visitorLine, type Report, type VisitorLine} from './log-file.js';
import {visitsFrom} from './log-reader.js';
import type {OpenIndex} from './open-index.js';
import type {ReadLayer} from './read-layer.js';
import type {Erased, Pruned} from './store.js';
import type {Tails} from './tails.js';
import {chatRecord, visitorRecord, type ChatRecord, type VisitorRecord} from './types.js';
import {readJSON} from './durable-file.js';
import {feedLine, type FeedLine, type FeedRecord} from './feed.js';
import {FEED_DIR} from './feed-log.js';

/*
 * Taking things out of the data folder for good (a visitor's erasure, a retention period). The
 * journal is applied first, so that every change sits in its own file and no segment can bring
 * a removed file back; then the files go, and the folder is synced.
 */

export interface RemovalParts {
  dir: string;
  tmpDir: string;
  index: OpenIndex;
  tails: Tails;
  /** The last line number known to be on disk per log (ApplyContext.diskN). */
  diskN: Map<string, number>;
  /** Takes a chat out of what the store keeps in memory about it beyond the index (its listing). */
  forgetChat(id: string): void;
  report: Report;
  /** How the store reads its files. */
  reads: ReadLayer;
  /** Makes every change so far durable and applies the journal to the files. */
  drain(): Promise<void>;
  /** Runs `fn` while no checkpoint writes to the files (Checkpoint.exclusive). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * What is known of a log's end, once it is removed or rewritten: a visitor who comes back
 * starts the log again at line 1, which the checkpoint would skip as already written.
 */
function forget(parts: RemovalParts, f: string): void {
  parts.tails.forget(f);
  parts.diskN.delete(f);
}

async function remove(parts: RemovalParts, f: string): Promise<void> {
  await unlink(join(parts.dir, f)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  forget(parts, f);
}

async function removeChat(parts: RemovalParts, id: string): Promise<void> {
  await remove(parts, `chats/${id}.json`);
  await remove(parts, `chats/${id}.log`);
  parts.index.remove(id);
  parts.forgetChat(id);
}

async function readChat(parts: RemovalParts, id: string): Promise<ChatRecord | null> {
  return readJSON(join(parts.dir, `chats/${id}.json`), chatRecord).catch(() => null);
}

export async function eraseVisitor(parts: RemovalParts, id: string): Promise<Erased> {
  await parts.drain();
  // The hub goes on meanwhile: what it writes waits in the journal until the files are done.
  return parts.exclusive(() => erase(parts, id));
}

async function erase(parts: RemovalParts, id: string): Promise<Erased> {
  const visitor = await readJSON(join(parts.dir, `visitors/${id}.json`), visitorRecord).catch(() => null);
  const chats = new Set(visitor?.chats ?? []);
  for (const chatId of await listChatIds(parts.dir)) {
    if (chats.has(chatId)) continue;
    if ((await readChat(parts, chatId))?.visitorId === id) chats.add(chatId);
  }
  const lines = await readLog(join(parts.dir, `visitors/${id}.log`), visitorLine, parts.report, parts.reads).catch(() => [] as VisitorLine[]);
  for (const chatId of chats) await removeChat(parts, chatId);
  await scrubFeed(parts, (r) => r.visitorId === id || (r.chatId !== undefined && chats.has(r.chatId)) || JSON.stringify(r).includes(id));
  await remove(parts, `visitors/${id}.json`);
  await remove(parts, `visitors/${id}.log`);
  await parts.index.save();
  await syncDir(join(parts.dir, 'chats'));
  await syncDir(join(parts.dir, 'visitors'));
  return {visitor: visitor !== null, chats: [...chats], visits: lines.filter((l) => 'visit' in l).length};
}

export async function prune(parts: RemovalParts, cutoff: (site: string) => number | undefined): Promise<Pruned> {
  await parts.drain();
  return parts.exclusive(() => pruneFiles(parts, cutoff));
}

async function pruneFiles(parts: RemovalParts, cutoff: (site: string) => number | undefined): Promise<Pruned> {
  const gone = new Set<string>();
  for (const id of await listChatIds(parts.dir)) {
    const chat = await readChat(parts, id);
    const before = chat && cutoff(chat.site);
    if (!chat || before === undefined || before === null || chat.kind !== 'visitor' || chat.state !== 'ended') continue;
    if ((chat.endedAt ?? chat.requestedAt) >= before) continue;
    await removeChat(parts, id);
    gone.add(id);
  }
  await scrubFeed(parts, (r) => {
    const before = cutoff(typeof r.site === 'string' ? r.site : '');
    return before !== undefined && r.at < before;
  });
  let visits = 0;
  const names = await readdir(join(parts.dir, 'visitors')).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const id = name.slice(0, -5);
    const visitor = await readJSON(join(parts.dir, `visitors/${name}`), visitorRecord).catch(() => null);
    const before = visitor && cutoff(visitor.site);
    if (!visitor || before === undefined || before === null) continue;
    visits += await pruneVisits(parts, visitor, before, gone);
  }
  await parts.index.save();
  await syncDir(join(parts.dir, 'chats'));
  await syncDir(join(parts.dir, 'visitors'));
  return {chats: gone.size, visits};
}

/** Rewrites a visitor's log without the visits that ended before `before`; drops a visitor left with nothing. */
async function pruneVisits(parts: RemovalParts, visitor: VisitorRecord, before: number, goneChats: Set<string>): Promise<number> {
  const f = `visitors/${visitor.id}.log`;
  const lines = await readLog(join(parts.dir, f), visitorLine, parts.report, parts.reads).catch(() => [] as VisitorLine[]);
  const visits = visitsFrom([...lines].reverse(), Infinity);
  const old = new Set(visits.filter((v) => v.end < before).map((v) => v.id));
  const chats = visitor.chats.filter((c) => !goneChats.has(c));
  if (old.size === visits.length && chats.length === 0) {
    await remove(parts, `visitors/${visitor.id}.json`);
    await remove(parts, f);
    return old.size;
  }
  if (old.size > 0) {
    // The lines kept keep their numbers, so an append replayed later is still recognised.
    const kept = lines.filter((l) => !old.has('visit' in l ? l.visit.id : l.page.v));
    await writeDurably(join(parts.dir, f), kept.map((l) => JSON.stringify(l) + '\n').join(''), parts.tmpDir);
    forget(parts, f);
  }
  if (chats.length !== visitor.chats.length) {
    await writeDurably(join(parts.dir, `visitors/${visitor.id}.json`), JSON.stringify({...visitor, chats}), parts.tmpDir);
  }
  return old.size;
}

/**
 * Feed lines are replaced, not deleted, by a `removed` entry keeping their cursor and time: the
 * numbering a follower resumes from stays whole, and nothing of what they said is left. A file
 * of nothing but removed entries (other than the newest) is deleted.
 */
export async function scrubFeed(parts: RemovalParts, gone: (record: FeedRecord) => boolean): Promise<number> {
  const dir = join(parts.dir, FEED_DIR);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d{12}\.log$/.test(n)).sort();
  let removed = 0;
  for (const [i, name] of names.entries()) {
    const file = join(dir, name);
    const lines = await readLog(file, feedLine, parts.report, parts.reads).catch(() => [] as FeedLine[]);
    let changed = false;
    const kept = lines.map((l) => {
      if (l.e.type === 'removed' || !gone(l.e as FeedRecord)) return l;
      changed = true;
      removed += 1;
      return {n: l.n, e: {type: 'removed', at: l.e.at}};
    });
    if (!changed) continue;
    forget(parts, `${FEED_DIR}/${name}`);
    if (i < names.length - 1 && kept.every((l) => l.e.type === 'removed')) await unlink(file);
    else await writeDurably(file, kept.map((l) => JSON.stringify(l) + '\n').join(''), parts.tmpDir);
  }
  if (removed > 0) await syncDir(dir);
  return removed;
}

import {cp, readFile, readdir, rename, rm, stat, unlink} from 'node:fs/promises';
import {join} from 'node:path';
import type {ChatEvent, Visit} from '../protocol/index.js';
import type {ApplyContext} from './apply.js';
import {z} from 'zod';
import {readJSON, syncDir, writeDurably} from './durable-file.js';
import type {Report} from './log-file.js';
import type {ChatRecord, VisitorRecord} from './types.js';

/** The data folder's format; 1 (no file) kept each chat's and visitor's whole history in one document. */
export const FORMAT_VERSION = 2;

const formatDoc = z.object({version: z.number().int().positive()});

type V1Chat = ChatRecord & {events?: ChatEvent[]; ids?: unknown};
type V1Visitor = VisitorRecord & {visits?: Visit[]; lastSeen?: unknown};

async function docs(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.'));
}

async function readOld<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/**
 * Converts a data folder of format 1 (one growing document per chat and per visitor) to logs:
 * every chat's events and every visitor's visits move to an append-only log beside a small
 * document. The folder is copied first to `<folder>.v1-backup`; each file is converted so that
 * running again after an interruption finishes the job. Resolves with what it converted.
 */
/** The format a data folder was written in (1 when it says nothing: the first one, or a new folder). */
export async function readFormat(dir: string): Promise<number> {
  // Checked as every other document: a damaged one stops the hub naming the file (an empty or
  // shapeless one must not pass for a folder of format 1 and be converted again).
  return (await readJSON(join(dir, 'format.json'), formatDoc))?.version ?? 1;
}

/**
 * What a folder holds: cac's records (of any format: the older one has no format.json, only its
 * documents and folders), nothing at all (missing or empty), or something else; 'file' when the
 * path is not a folder at all.
 */
export async function folderHolds(dir: string): Promise<'records' | 'nothing' | 'other' | 'file'> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (names === undefined) return 'file';
  if (names.length === 0) return 'nothing';
  return names.some((n) => ['format.json', 'sites.json', 'operators.json', 'chats', 'visitors'].includes(n)) ? 'records' : 'other';
}

export async function migrate(dir: string, ctx: ApplyContext, report: Report): Promise<{chats: number; visitors: number}> {
  const formatFile = join(dir, 'format.json');
  const format = await readFormat(dir);
  if (format > FORMAT_VERSION) throw new Error(`${dir} was written by a newer cac (format ${format}); upgrade cac to use it`);
  if (format === FORMAT_VERSION) return {chats: 0, visitors: 0};
  const chats = join(dir, 'chats');
  const visitors = join(dir, 'visitors');
  const chatNames = await docs(chats);
  const visitorNames = await docs(visitors);
  if (chatNames.length + visitorNames.length > 0) {
    const backup = `${dir}.v1-backup`;
    if (!(await stat(backup).catch(() => undefined))) {
      // Copied under another name and renamed once whole: a copy cut short by a crash is never
      // taken for the backup; the next start removes it and copies again.
      const partial = `${backup}.partial`;
      await rm(partial, {recursive: true, force: true});
      await cp(dir, partial, {recursive: true, filter: (src) => !/(^|\/)(tmp|hub\.lock)$/.test(src)});
      await rename(partial, backup);
      report(`converting ${dir} to format ${FORMAT_VERSION}; the folder as it was is kept in ${backup}`);
    }
  }
  let converted = {chats: 0, visitors: 0};
  for (const name of chatNames) {
    const file = join(chats, name);
    const old = await readOld<V1Chat>(file);
    if (!Array.isArray(old.events)) continue;
    const {events, ids: _ids, ...chat} = old;
    const log = events.map((e) => JSON.stringify({n: e.seq, e}) + '\n').join('');
    // The log first: a run cut short here sees the old document again and writes the log anew.
    await writeDurably(join(chats, name.replace(/\.json$/, '.log')), log, ctx.tmpDir);
    const first = events.find((e) => e.kind === 'msg');
    await writeDurably(file, JSON.stringify({...chat, firstText: chat.firstText ?? first?.text}), ctx.tmpDir);
    converted.chats += 1;
  }
  for (const name of visitorNames) {
    const file = join(visitors, name);
    const old = await readOld<V1Visitor>(file);
    if (!Array.isArray(old.visits)) continue;
    const {visits, lastSeen: _lastSeen, ...visitor} = old;
    let n = 0;
    const lines: string[] = [];
    for (const {pages, end: _end, ...start} of visits) {
      lines.push(JSON.stringify({n: ++n, visit: start}));
      for (const page of pages) lines.push(JSON.stringify({n: ++n, page: {...page, v: start.id}}));
    }
    await writeDurably(join(visitors, name.replace(/\.json$/, '.log')), lines.map((l) => l + '\n').join(''), ctx.tmpDir);
    await writeDurably(file, JSON.stringify(visitor), ctx.tmpDir);
    converted.visitors += 1;
  }
  await syncDir(chats);
  await syncDir(visitors);
  // Rebuilt from the converted chats at the next step of opening.
  await unlink(join(dir, 'open-chats.json')).catch(() => {});
  // Durable before the folder is used in the new format: lost in a power cut, the next start
  // would take the converted folder for an old one.
  await writeDurably(formatFile, JSON.stringify({version: FORMAT_VERSION}) + '\n', ctx.tmpDir);
  await syncDir(dir);
  if (converted.chats + converted.visitors > 0) report(`converted ${converted.chats} chats and ${converted.visitors} visitors`);
  return converted;
}

import {existsSync, linkSync, mkdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import type {AdminInput, TranscriptData} from '../protocol/index.js';
import {transcriptJson} from '../transcript/json.js';
import {adminTarget, type AdminTarget, type TargetOptions} from './admin-target.js';
import {UsageError} from './common.js';
import {BatchedOut, JsonArrayOut} from './output.js';
import {pages} from './pages.js';
import {ProgressBar} from './progress.js';
import {fileNameOf, inputOf, render, type Format} from './transcripts-render.js';
import {refuseUnknownNames} from './unknown-names.js';

/*
 * `cac transcripts export`: every matching chat, a page at a time (the next page is fetched while
 * this one is written), so memory stays the same for ten chats or a million. To stdout as one
 * stream (txt, json, jsonl), or to a folder, one file per chat (every format but jsonl).
 */

export type Filter = Omit<AdminInput<'transcripts.export'>, 'cursor' | 'limit'>;

/** Chats per page: enough to keep the disk busy, few enough to stay small in memory. */
const PAGE = 50;

/** Where transcripts go, one at a time. */
interface Sink {
  put(data: TranscriptData): Promise<void>;
  /** A page is done: what it wrote goes out now (a reader sees the export come a page at a time). */
  flush(): Promise<void>;
  end(): Promise<void>;
  written: number;
  bytes: number;
  /** Files already in the folder, left as they were. */
  skipped: number;
}

function stdoutSink(format: Format): Sink {
  const out = new BatchedOut();
  const json = new JsonArrayOut((text) => out.write(text));
  const sink: Sink = {
    written: 0,
    get bytes() {
      return out.bytes;
    },
    skipped: 0,
    async put(data) {
      if (format === 'json') {
        // One array of every chat's document, written an element at a time.
        await json.item(transcriptJson(inputOf(data)), 2);
      } else {
        const text = String(await render(data, format));
        // Plain text transcripts follow one another a page each: a form feed line between two.
        await out.write(format === 'txt' && sink.written > 0 ? `\f\n${text}` : text);
      }
      sink.written++;
    },
    flush: () => out.flush(),
    async end() {
      if (format === 'json') await json.end();
      await out.flush();
    },
  };
  return sink;
}

/**
 * One file per chat in `dir`, named from the chat (names.ts keeps every name inside `dir`). A
 * file is written under a temporary name and then linked into place, so nobody ever sees half a
 * transcript, and a file already there is never replaced: an export into a folder holding an
 * earlier one adds only the chats it lacks.
 */
function folderSink(dir: string, format: Format): Sink {
  const sink: Sink = {
    written: 0,
    bytes: 0,
    skipped: 0,
    async put(data) {
      const name = fileNameOf(data, format);
      const file = join(dir, name);
      if (existsSync(file)) {
        sink.skipped++;
        return;
      }
      const body = await render(data, format);
      const tmp = join(dir, `.${name}.${process.pid}.tmp`);
      try {
        // Transcripts hold what visitors said: readable by their owner only, as the data folder is.
        writeFileSync(tmp, body, {mode: 0o600});
        if (place(tmp, file)) {
          sink.written++;
          sink.bytes += Buffer.byteLength(body);
        } else sink.skipped++;
      } finally {
        removeTemp(tmp);
      }
    },
    flush: async () => {},
    end: async () => {},
  };
  return sink;
}

/** The temporary file, whether or not it was made (an unlink: rmSync costs more, once a chat). */
function removeTemp(tmp: string): void {
  try {
    unlinkSync(tmp);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Puts `tmp` at `file` unless a file is there already; false when one was. */
function place(tmp: string, file: string): boolean {
  try {
    linkSync(tmp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: a rename, after a look (a tiny window, never a torn file).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
    if (existsSync(file)) return false;
    renameSync(tmp, file);
    return true;
  }
}

/** The folder, made if need be; `made` is the first folder this made (to remove if nothing goes in it). */
function outputDir(out: string): {dir: string; made?: string} {
  const dir = resolve(out);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${out} is a file, not a folder`);
  return {dir, made: mkdirSync(dir, {recursive: true, mode: 0o700})};
}

function summary(sink: Sink, seconds: number, dir?: string): string {
  const mb = (sink.bytes / 1048576).toFixed(1);
  const where = dir ? ` to ${dir}` : '';
  const skipped = sink.skipped > 0 ? `; ${sink.skipped} already there, left as they were` : '';
  return `exported ${sink.written} transcript${sink.written === 1 ? '' : 's'}, ${mb} MB, in ${seconds.toFixed(1)} s${where}${skipped}\n`;
}

export interface ExportOptions extends TargetOptions {
  format: Format;
  out?: string;
}

/** Checks the format and destination go together before anything is asked of the hub. */
function destination(opts: ExportOptions): string | undefined {
  const out = opts.out ?? (opts.format === 'html' || opts.format === 'eml' ? undefined : '-');
  if (out === undefined || (out === '-' && (opts.format === 'html' || opts.format === 'eml'))) {
    throw new UsageError(`--format ${opts.format} writes one document per chat: give --out DIR`);
  }
  if (out !== '-' && opts.format === 'jsonl') throw new UsageError('--format jsonl is one stream: write it to stdout (--out -); --format json writes a file per chat');
  return out === '-' ? undefined : out;
}

export async function exportTranscripts(opts: ExportOptions, filter: Filter): Promise<void> {
  const out = destination(opts);
  const started = Date.now();
  const target: AdminTarget = await adminTarget(opts);
  let bar: ProgressBar | undefined;
  try {
    const folder = out === undefined ? undefined : outputDir(out);
    const dir = folder?.dir;
    const sink = dir === undefined ? stdoutSink(opts.format) : folderSink(dir, opts.format);
    if (process.stderr.isTTY) bar = new ProgressBar((await target.call('transcripts.count', filter)).count, 'transcripts');
    for await (const page of pages((cursor) => target.call('transcripts.export', {...filter, cursor, limit: PAGE}))) {
      for (const data of page.transcripts) {
        await sink.put(data);
        bar?.tick(`${(sink.bytes / 1048576).toFixed(1)} MB`);
      }
      await sink.flush();
    }
    if (sink.written === 0 && sink.skipped === 0) {
      await refuseUnknownNames(target.call.bind(target), filter).catch((error: unknown) => {
        // A mistyped name leaves nothing behind: not even the folder made for the files.
        if (folder?.made) rmSync(folder.made, {recursive: true, force: true});
        throw error;
      });
    }
    await sink.end();
    bar?.clear();
    bar = undefined;
    process.stderr.write(summary(sink, (Date.now() - started) / 1000, dir));
  } finally {
    bar?.clear();
    await target.close();
  }
}

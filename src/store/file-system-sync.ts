import type {ChildProcessByStdio} from 'node:child_process';
import {createRequire} from 'node:module';
import type {Socket} from 'node:net';
import type {Readable, Writable} from 'node:stream';

type Helper = ChildProcessByStdio<Writable, Readable, null>;

/**
 * Node's modules for the helper, loaded when first needed, not with the store: loading them was a
 * measurable part of a start. Through require, not import(): `cac hub` runs from a bundle compiled
 * from a code cache, which cannot import (src/cli/code-cache.ts).
 */
const builtin = createRequire(import.meta.url);

/** The helper's pipes are sockets: they can stop holding the event loop open. */
const pipe = (stream: unknown): Socket => stream as Socket;

/**
 * The helper's loop: one line in asks for one flush of the file system holding its folder
 * (syncfs, through coreutils' `sync -f`), one line out answers it, 0 for done. It ends when its
 * input does, so it never outlives the hub, even one that was killed.
 */
const LOOP = 'while read -r _; do if sync -f -- "$1"; then echo 0; else echo 1; fi; done';

/**
 * Flushes the whole file system holding `dir` through one helper process, started once.
 *
 * Starting a process costs the hub in proportion to its own size: forking it copies its page
 * tables, and its event loop stops meanwhile (measured here: 3 ms at 40 MB of RSS, 36 ms at
 * 900 MB). A hub under load is large, and a checkpoint flushes every ten seconds; so the process
 * that runs `sync` is started while the hub is still small (`startSoon`, after it opens) and
 * asked over a pipe after that.
 *
 * `sync()` resolves false where that is not possible (no `sh` or `sync -f`, or the helper died
 * mid-request): the caller then syncs file by file. A helper that died is started again on the
 * next request; one that cannot start at all is not tried again.
 */
export class FileSystemSync {
  private child: Helper | undefined;
  private starting: Promise<Helper | undefined> | undefined;
  private readonly waiting: Array<(done: boolean) => void> = [];
  private unavailable = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    /** The shell that runs the loop (tests name one that is missing). */
    private readonly shell = 'sh',
  ) {}

  /** Starts the helper shortly, off the path of whatever is starting the hub now. */
  startSoon(delayMs = 1000): void {
    if (this.timer || this.child || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.start();
    }, delayMs);
    this.timer.unref();
  }

  /** The helper's process id, once it runs (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async sync(): Promise<boolean> {
    const child = this.child ?? (await this.start());
    if (!child) return false;
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      // Kept alive while a flush is asked for (a hub closing waits for it); unref'd otherwise.
      pipe(child.stdout).ref();
      child.stdin.write('\n');
    });
  }

  /** Ends the helper; later requests answer false. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const child = this.child;
    this.child = undefined;
    child?.stdin.end();
    child?.kill();
    this.answerAll(false);
  }

  private start(): Promise<Helper | undefined> {
    if (this.unavailable || this.stopped) return Promise.resolve(undefined);
    this.starting ??= this.spawnHelper().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async spawnHelper(): Promise<Helper | undefined> {
    const {spawn} = builtin('node:child_process') as typeof import('node:child_process');
    const {createInterface} = builtin('node:readline') as typeof import('node:readline');
    if (this.child || this.stopped) return this.child;
    const child = spawn(this.shell, ['-c', LOOP, 'cac-sync', this.dir], {stdio: ['pipe', 'pipe', 'ignore']});
    const ok = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!ok) {
      this.unavailable = true;
      return undefined;
    }
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
      this.answerAll(false);
    });
    child.stdin.on('error', () => {}); // a helper gone mid-write: 'exit' answers
    createInterface({input: child.stdout}).on('line', (answer) => {
      this.waiting.shift()?.(answer === '0');
      if (this.waiting.length === 0) pipe(child.stdout).unref();
    });
    child.unref();
    pipe(child.stdout).unref();
    pipe(child.stdin).unref();
    this.child = child;
    return child;
  }

  private answerAll(done: boolean): void {
    for (const resolve of this.waiting.splice(0)) resolve(done);
  }
}

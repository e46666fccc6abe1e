interface Line<T> {
  /** Everything up to this number went out. */
  done: number;
  waiting: Map<number, T>;
  timer?: NodeJS.Timeout;
}

/**
 * Passes on numbered items of several streams (each chat's events, the feed) once each and in
 * order, whichever hub stored them. Items stored on two hubs at once reach each hub in either
 * order; one that comes early waits for those before it (the store numbers each stream 1, 2, 3
 * with no gap), and a gap that lasts (a message Redis lost) is filled from the store. Widgets
 * and feed followers resume after the highest number they were given, so they must never be
 * given one before an earlier one.
 */
export class Sequencer<T> {
  private readonly lines = new Map<string, Line<T>>();
  /** Stopped with its hub: a read still in flight, or a late item, starts no timer again. */
  private stopped = false;

  constructor(
    private readonly options: {
      seq(item: T): number;
      deliver(stream: string, item: T): void;
      /** Items of the stream after `after`, from the store, in order (a page is enough). */
      read(stream: string, after: number, newest: T): Promise<T[]>;
      log(line: string): void;
      gapMs?: number;
    },
  ) {}

  /** Items of the stream up to `seq` were there before this hub served it. */
  start(stream: string, seq: number): void {
    if (!this.lines.has(stream)) this.lines.set(stream, {done: seq, waiting: new Map()});
  }

  push(stream: string, item: T): void {
    let line = this.lines.get(stream);
    if (!line) this.lines.set(stream, (line = {done: 0, waiting: new Map()}));
    const seq = this.options.seq(item);
    if (seq <= line.done || line.waiting.has(seq)) return;
    line.waiting.set(seq, item);
    this.drain(stream, line);
  }

  /** Everything up to this number went out. */
  upTo(stream: string): number {
    return this.lines.get(stream)?.done ?? 0;
  }

  /** The stream has ended (an ended chat): let go of it once nothing waits. */
  forget(stream: string): void {
    const line = this.lines.get(stream);
    if (line?.waiting.size === 0) {
      clearTimeout(line.timer);
      this.lines.delete(stream);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const line of this.lines.values()) clearTimeout(line.timer);
  }

  private later(stream: string, line: Line<T>, ms: number): void {
    if (this.stopped) return;
    line.timer = setTimeout(() => this.fill(stream, line), ms);
    line.timer.unref();
  }

  private drain(stream: string, line: Line<T>): void {
    for (let next = line.waiting.get(line.done + 1); next !== undefined; next = line.waiting.get(line.done + 1)) {
      line.waiting.delete(++line.done);
      this.options.deliver(stream, next);
    }
    if (line.waiting.size === 0) {
      clearTimeout(line.timer);
      line.timer = undefined;
    } else {
      if (!line.timer) this.later(stream, line, this.options.gapMs ?? 300);
    }
  }

  /** A gap that did not close by itself: the store has what is missing. */
  private fill(stream: string, line: Line<T>): void {
    line.timer = undefined;
    const newest = [...line.waiting.entries()].reduce((a, b) => (b[0] > a[0] ? b : a))[1];
    const again = (ms: number) => {
      if (line.waiting.size > 0 && !line.timer && this.lines.get(stream) === line) this.later(stream, line, ms);
    };
    this.options.read(stream, line.done, newest).then(
      (items) => {
        for (const item of items) this.push(stream, item);
        again(this.options.gapMs ?? 300);
      },
      (error: unknown) => {
        this.options.log(`${stream} after ${line.done}: ${String(error)}`);
        again((this.options.gapMs ?? 300) * 10);
      },
    );
  }
}

import {once} from 'node:events';

/*
 * Data on stdout, written as it comes and at the reader's pace: a command streaming thousands of
 * transcripts never holds more than what it is writing. When the reader goes away (`| head`), the
 * command stops quietly, as Unix tools do, rather than failing with EPIPE.
 */

/** The reader of stdout went away: stop writing, it is not a failure. */
export class OutputClosed extends Error {
  constructor() {
    super('stdout was closed');
    this.name = 'OutputClosed';
  }
}

let closed = false;
let watching = false;

function watch(): void {
  if (watching) return;
  watching = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
    process.stdout.emit('drain');
  });
}

/** Writes to stdout; resolves once it may take more (throws OutputClosed when nobody reads). */
export async function emit(chunk: string | Uint8Array): Promise<void> {
  watch();
  if (closed) throw new OutputClosed();
  if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
  if (closed) throw new OutputClosed();
}

/**
 * Text for stdout gathered into large writes: an export of thousands of transcripts written one
 * at a time spends more on the writes than on the bytes. What is gathered stays small.
 */
export class BatchedOut {
  private parts: string[] = [];
  private chars = 0;
  /** Bytes handed to stdout so far. */
  bytes = 0;

  constructor(private readonly size = 256 * 1024) {}

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.chars += text.length;
    if (this.chars >= this.size) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    // Each part encoded straight into one buffer (room for the most a UTF-16 unit takes in UTF-8,
    // three bytes): joining the parts first would copy all of it once more.
    const chunk = Buffer.allocUnsafe(this.chars * 3);
    let length = 0;
    for (const part of this.parts) length += chunk.write(part, length);
    this.parts = [];
    this.chars = 0;
    this.bytes += length;
    await emit(chunk.subarray(0, length));
  }
}

/** A JSON array written one element at a time, each on its own line: valid JSON at the end. */
export class JsonArrayOut {
  private count = 0;

  constructor(private readonly write: (text: string) => Promise<void> = emit) {}

  async item(value: unknown, indent?: number): Promise<void> {
    await this.write(`${this.count++ === 0 ? '[\n' : ',\n'}  ${JSON.stringify(value, null, indent).replace(/\n/g, '\n  ')}`);
  }

  async end(): Promise<void> {
    await this.write(this.count === 0 ? '[]\n' : '\n]\n');
  }
}

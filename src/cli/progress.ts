/*
 * A one-line progress bar on stderr, for a terminal only: redrawn in place a few times a second,
 * then erased, so it leaves nothing behind in the terminal's scrollback and nothing at all in a
 * file or pipe (the caller makes one only when stderr is a TTY).
 */

const WIDTH = 24;
const EVERY_MS = 100;

export class ProgressBar {
  private done = 0;
  private shownAt = 0;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly out: {write(text: string): unknown; columns?: number} = process.stderr,
    private readonly now: () => number = Date.now,
  ) {}

  /** One more done; `note` (say, the bytes written) goes after the count. */
  tick(note = ''): void {
    this.done++;
    const at = this.now();
    if (at - this.shownAt < EVERY_MS && this.done < this.total) return;
    this.shownAt = at;
    const share = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const filled = Math.round(share * WIDTH);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${Math.floor(share * 100)}% ${this.done}/${this.total} ${this.label}${note ? `, ${note}` : ''}`;
    // Never wider than the terminal: a wrapped line could not be redrawn in place.
    this.out.write(`\r${line.slice(0, Math.max(10, (this.out.columns ?? 80) - 1))}\x1b[K`);
  }

  /** Erases the bar. */
  clear(): void {
    if (this.shownAt > 0) this.out.write('\r\x1b[K');
  }
}

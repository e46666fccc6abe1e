import type {VisitorToHub} from '../src/protocol/index.js';

/**
 * Tells the hub the visitor is typing and, when the site allows previews, what: at most about
 * three times a second, however fast they type.
 */
export class TypingSignal {
  preview = false;
  private timer?: ReturnType<typeof setTimeout>;
  private was = false;

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly send: (frame: Extract<VisitorToHub, {t: 'typing'}>) => boolean,
  ) {}

  changed(): void {
    if (!this.preview) {
      const now = this.input.value.trim() !== '';
      if (now !== this.was) this.send({t: 'typing', typing: now});
      this.was = now;
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const text = this.input.value.slice(0, 4000);
      const now = text.trim() !== '';
      this.send({t: 'typing', typing: now, preview: now ? text : undefined});
      this.was = now;
    }, 300);
  }

  /** The message was sent: no longer typing, and no preview of it still to come. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.was = false;
    this.send({t: 'typing', typing: false});
  }
}

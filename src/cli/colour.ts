/*
 * Colour for people, never for pipes: chalk decides from the terminal, NO_COLOR, FORCE_COLOR
 * and --no-color. Loaded only when a command prints, so `cac --help` does not pay for it.
 */

type Paint = (text: string) => string;

export interface Colours {
  ok: Paint;
  warn: Paint;
  bad: Paint;
  dim: Paint;
  /** What was searched for, in a line. */
  match: Paint;
}

/** Colours for stdout (`err` false) or stderr (true). */
export async function colours(err = false): Promise<Colours> {
  // NO_COLOR (no-color.org) and --no-color win over everything, FORCE_COLOR included.
  if (process.env.NO_COLOR || process.argv.includes('--no-color')) {
    const plain = (text: string) => text;
    return {ok: plain, warn: plain, bad: plain, dim: plain, match: plain};
  }
  const {default: chalk, chalkStderr} = await import('chalk');
  const c = err ? chalkStderr : chalk;
  return {ok: c.green, warn: c.yellow, bad: c.red, dim: c.dim, match: c.red.bold};
}

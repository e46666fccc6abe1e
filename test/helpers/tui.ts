import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import stringWidth from 'string-width';
import {cacBin} from './spawn.js';

export interface Tui {
  term: xterm.Terminal;
  proc: pty.IPty;
  /** Everything the program wrote, escape sequences included. */
  raw(): string;
  /** The visible screen, one string per row. */
  lines(): string[];
  screen(): string;
  bells: number;
  titles: string[];
  exitCode?: number;
  write(data: string): void;
  /** Closes the terminal, as closing its window does: the process is hung up (SIGHUP). */
  hangUp(): void;
  /** Whether the process is still running (known also after a hang-up). */
  running(): boolean;
  /** Waits until the screen shows `what`; fails after `seconds` with the screen in the message. */
  waitForText(what: string | RegExp, seconds?: number): Promise<void>;
  /** Waits until a condition on the whole Tui holds. */
  waitUntil(what: string, check: () => boolean, seconds?: number): Promise<void>;
  kill(): Promise<void>;
}

export const keys = {
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  up: '\x1b[A',
  down: '\x1b[B',
  pgUp: '\x1b[5~',
  pgDn: '\x1b[6~',
  f1: '\x1bOP',
  ctrlC: '\x03',
  alt: (key: string) => `\x1b${key}`,
};

/**
 * The headless xterm measures characters as Unicode 6 did, where an emoji such as 😀 takes one
 * cell; terminals today (Unicode 11 and later: VTE, iTerm2, kitty, Windows Terminal, tmux) give
 * it two, as they give East Asian wide characters. The screen here measures as they do, one code
 * point at a time; a zero-width one (a combining mark, a variation selector) joins the one before.
 */
const currentWidths: xterm.IUnicodeVersionProvider = {
  version: 'current',
  wcwidth: (codepoint) => Math.min(2, stringWidth(String.fromCodePoint(codepoint))) as 0 | 1 | 2,
  charProperties(codepoint, preceding) {
    let width: number = this.wcwidth(codepoint);
    let join = width === 0 && preceding !== 0;
    if (join) {
      const before = (preceding >> 1) & 3;
      if (before === 0) join = false;
      else width = Math.max(width, before);
    }
    // The packing xterm's own providers use: width in bits 1-2, "joins the previous" in bit 0.
    return (width << 1) | (join ? 1 : 0);
  },
};

/** Runs the real `cac` in a pseudo-terminal and keeps a headless xterm screen of its output. */
function withoutCi(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = {...env};
  delete copy.CI;
  return copy;
}

export function spawnTui(args: string[], options: {env?: NodeJS.ProcessEnv; cols?: number; rows?: number; cwd?: string} = {}): Tui {
  const cols = options.cols ?? 100;
  const rows = options.rows ?? 30;
  const term = new xterm.Terminal({cols, rows, allowProposedApi: true});
  term.unicode.register(currentWidths);
  term.unicode.activeVersion = currentWidths.version;
  const proc = pty.spawn(process.execPath, [cacBin, ...args], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: options.cwd ?? process.cwd(),
    // CI=true makes ink print only final frames (it assumes no terminal); the operator's client
    // runs in a real terminal, and so does this one.
    // A variable given as undefined is left out (NO_COLOR, FORCE_COLOR: tap sets both).
    env: Object.fromEntries(Object.entries({...withoutCi(process.env), FORCE_COLOR: '1', ...options.env}).filter(([, v]) => v !== undefined)) as Record<string, string>,
  });
  let raw = '';
  const tui: Tui = {
    term,
    proc,
    raw: () => raw,
    lines() {
      const out: string[] = [];
      const buffer = term.buffer.active;
      for (let i = 0; i < term.rows; i++) out.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
      return out;
    },
    screen: () => tui.lines().join('\n'),
    bells: 0,
    titles: [],
    write: (data) => proc.write(data),
    async waitForText(what, seconds = 20) {
      const found = () => (typeof what === 'string' ? tui.screen().includes(what) : what.test(tui.screen()));
      await tui.waitUntil(`text ${String(what)}`, found, seconds);
    },
    async waitUntil(what, check, seconds = 20) {
      const deadline = Date.now() + seconds * 1000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${tui.screen()}`);
        if (tui.exitCode !== undefined) throw new Error(`cac exited (${tui.exitCode}) waiting for ${what}; output:\n${raw.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    hangUp() {
      (proc as unknown as {destroy(): void}).destroy();
    },
    running() {
      try {
        process.kill(proc.pid, 0);
        return true;
      } catch {
        return false;
      }
    },
    async kill() {
      if (tui.exitCode !== undefined) return;
      const exited = new Promise<void>((resolve) => proc.onExit(() => resolve()));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (tui.exitCode === undefined) proc.kill('SIGKILL');
    },
  };
  term.onBell(() => tui.bells++);
  term.onTitleChange((title) => tui.titles.push(title));
  proc.onData((data) => {
    raw += data;
    term.write(data);
  });
  proc.onExit(({exitCode}) => {
    tui.exitCode = exitCode;
  });
  return tui;
}

/** Starts `cac client` for an operator in a pseudo-terminal with a private config folder. */
export async function startClient(
  t: {teardown(fn: () => unknown): void},
  hubUrl: string,
  operator: string,
  token: string,
  size: {cols?: number; rows?: number} = {},
  settings?: Record<string, unknown>,
  /** More environment for the client (SSH_CONNECTION, DISPLAY…). */
  env: NodeJS.ProcessEnv = {},
): Promise<Tui> {
  const {mkdir, mkdtemp, rm, writeFile} = await import('node:fs/promises');
  const {tmpdir} = await import('node:os');
  const {join} = await import('node:path');
  const config = await mkdtemp(join(tmpdir(), 'cac-config-'));
  if (settings) {
    await mkdir(join(config, 'cac'));
    await writeFile(join(config, 'cac', 'config.json'), JSON.stringify({settings}));
  }
  const tui = spawnTui(['client', '--hub', hubUrl, '--operator', operator], {env: {CAC_TOKEN: token, XDG_CONFIG_HOME: config, ...env}, ...size});
  t.teardown(async () => {
    await tui.kill();
    await rm(config, {recursive: true, force: true});
  });
  await tui.waitForText('● connected');
  return tui;
}

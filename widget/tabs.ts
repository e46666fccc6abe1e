import {load, loadTab, newId, save, saveTab} from './store.js';

// Site tabs coordinate through localStorage: each beats into `tabs` while alive and writes its
// id into `focus` when the visitor turns to it. Hidden tabs may run timers only once a minute,
// hence the long staleness limit; a closed tab expires itself shortly after pagehide.
const BEAT = 15_000;
const STALE = 65_000;
const POPOUT = 'cac-popout:';

/** The pop-out window is named after its opener tab, so it knows which tab to outlive. */
export const popout = window.name.startsWith(POPOUT);
const openerTab = popout ? window.name.slice(POPOUT.length) : '';

function tabId(): string {
  // sessionStorage survives navigation in a tab but is copied into windows it opens.
  let id = popout ? undefined : loadTab<string>('tab');
  if (!id) {
    id = newId();
    if (!popout) saveTab('tab', id);
  }
  return id;
}

export const me = tabId();

type Beats = Record<string, number>;

function beat(alive: boolean): void {
  const beats = load<Beats>('tabs') ?? {};
  const now = Date.now();
  for (const [id, at] of Object.entries(beats)) if (now - at > STALE) delete beats[id];
  // A tab that is navigating hides its page too: leave it a few seconds to come back.
  beats[me] = alive ? now : now - STALE + 3000;
  save('tabs', beats);
}

function claimFocus(): void {
  if (load<string>('focus') !== me) save('focus', me);
}

/** Starts this site tab's part in the coordination (pop-outs take no part: they are no site tab). */
export function joinTabs(): void {
  if (popout) return;
  beat(true);
  setInterval(() => beat(true), BEAT);
  addEventListener('pagehide', () => beat(false));
  addEventListener('pageshow', (e) => e.persisted && beat(true));
  if (document.hasFocus()) claimFocus();
  addEventListener('focus', claimFocus);
  addEventListener('pointerdown', claimFocus, true);
  addEventListener('keydown', claimFocus, true);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && claimFocus());
}

/** The site tab that should open a pushed link: the most recently focused one still alive. */
function target(): string | undefined {
  const beats = load<Beats>('tabs') ?? {};
  const now = Date.now();
  const openerGone = !window.opener || (window.opener as Window).closed;
  const alive = Object.keys(beats).filter(
    (id) => now - beats[id]! <= STALE && !(popout && openerGone && id === openerTab),
  );
  if (!popout) alive.push(me);
  const focus = load<string>('focus');
  if (focus && alive.includes(focus)) return focus;
  return alive.sort((a, b) => (beats[b] ?? now) - (beats[a] ?? now))[0];
}

export function isHttp(url: string): boolean {
  try {
    return /^https?:$/.test(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * Every window of the visitor gets `link.open`; exactly one acts. Returns false when this window
 * should have opened it but the browser refused the new window (the caller offers a link).
 */
export function openLink(url: string): boolean {
  if (!isHttp(url)) return true;
  const chosen = target();
  if (!popout) {
    if (chosen === me) location.assign(url);
    return true;
  }
  if (chosen) return true;
  const w = window.open(url, '_blank');
  if (w) w.opener = null;
  return w !== null;
}

/** Opens the chat in its own small window; false when the browser blocked it. */
export function popOut(): boolean {
  const w = window.open(location.href, POPOUT + me, 'popup,width=380,height=600');
  w?.focus();
  return w !== null;
}

import {Chat} from './chat.js';
import {watchHistory} from './pages.js';
import {joinTabs, popout} from './tabs.js';
import {buildView} from './view.js';

declare global {
  interface Window {
    cac?: {open(): void; close(): void; identify(who: {name?: string; email?: string}): void};
  }
}

// Only readable while this script first runs, so taken before anything waits.
const script = (document.currentScript ?? document.querySelector('script[src$="/widget.js"]')) as HTMLScriptElement | null;

function boot(): void {
  if (!script?.src || window.cac) return;
  const hub = new URL(script.src);
  const site = script.dataset.site || location.hostname;
  const view = buildView(popout);
  document.body.append(view.host);
  const chat = new Chat(view, `${hub.protocol === 'https:' ? 'wss' : 'ws'}://${hub.host}/ws/visitor?site=${encodeURIComponent(site)}`, site);
  window.cac = {open: () => chat.open(), close: () => chat.close(), identify: (who) => chat.identify(who)};
  joinTabs();
  if (!popout) watchHistory(() => chat.pageView());
  chat.start();
}

if (document.body) boot();
else addEventListener('DOMContentLoaded', boot);

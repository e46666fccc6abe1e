import type {VisitorToHub} from '../src/protocol/index.js';

type Page = NonNullable<Extract<VisitorToHub, {t: 'hello'}>['page']>;

/** What the hub records for a page view; sizes capped to what the hub's schema accepts. */
export function currentPage(withReferrer: boolean): Page {
  const page: Page = {
    url: location.href.slice(0, 2000),
    title: document.title.slice(0, 200),
  };
  // Only a referrer from elsewhere says how the visitor found the site.
  const ref = document.referrer;
  if (withReferrer && ref) {
    try {
      if (new URL(ref).origin !== location.origin) page.referrer = ref.slice(0, 2000);
    } catch {
      // not a URL: leave it out
    }
  }
  return page;
}

const withoutHash = (url: string) => url.split('#')[0];

/**
 * Calls `onView` after every history-API navigation (pushState, replaceState, back/forward)
 * that changes the page, not just its #fragment. Single-page sites set the new title just after
 * pushing, so the view is taken a moment later.
 */
export function watchHistory(onView: () => void): void {
  let last = withoutHash(location.href);
  const check = () =>
    setTimeout(() => {
      const now = withoutHash(location.href);
      if (now === last) return;
      last = now;
      onView();
    }, 50);
  for (const name of ['pushState', 'replaceState'] as const) {
    const original = history[name];
    history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      check();
      return result;
    };
  }
  addEventListener('popstate', check);
}

// Visitor state that must outlive the page: localStorage, or cookies where storage is refused
// (some privacy modes throw on access). Per-tab state lives in sessionStorage.
const PREFIX = 'cac.';

function usable(kind: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    const s = window[kind];
    s.setItem(PREFIX + 'probe', '1');
    s.removeItem(PREFIX + 'probe');
    return s;
  } catch {
    return undefined;
  }
}

const local = usable('localStorage');
const session = usable('sessionStorage');

function readCookie(key: string): string | null {
  for (const part of document.cookie.split('; ')) {
    const eq = part.indexOf('=');
    if (part.slice(0, eq) === key) return decodeURIComponent(part.slice(eq + 1));
  }
  return null;
}

function parse<T>(raw: string | null): T | undefined {
  try {
    return raw ? (JSON.parse(raw) as T) : undefined;
  } catch {
    return undefined;
  }
}

// Cookies travel with every request to the site, so only what a visitor cannot do without
// goes there: who they are and what they have not yet had confirmed. The rest lives per page.
const inCookie = ['me', 'out'];
const memory = new Map<string, string>();

export function load<T>(key: string): T | undefined {
  if (local) return parse<T>(local.getItem(PREFIX + key));
  return parse<T>(inCookie.includes(key) ? readCookie(PREFIX + key) : memory.get(key) ?? null);
}

export function save(key: string, value: unknown): void {
  const raw = value === undefined ? '' : JSON.stringify(value);
  try {
    if (local) {
      if (raw) local.setItem(PREFIX + key, raw);
      else local.removeItem(PREFIX + key);
    } else if (!inCookie.includes(key)) {
      memory.set(key, raw);
    } else {
      document.cookie = `${PREFIX}${key}=${encodeURIComponent(raw)};path=/;max-age=${raw ? 31536000 : 0};samesite=lax`;
    }
  } catch {
    // A full or refused store must not break the host page; the chat then lives per page.
  }
}

export function loadTab<T>(key: string): T | undefined {
  return parse<T>(session?.getItem(PREFIX + key) ?? null);
}

export function saveTab(key: string, value: unknown): void {
  try {
    session?.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // as above
  }
}


/** A client-made id, unique enough for the hub's duplicate check; it starts with its creation time. */
export function newId(): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Date.now().toString(36) + '-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

import {CSS} from './styles.js';

// Every string that reaches the DOM goes in as a text node (append/textContent); nothing here
// ever parses HTML, so names and messages from either side cannot become elements.

type Kid = Node | string;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...kids: Kid[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...kids);
  return e;
}

const button = (cls: string, text: string, attrs: Record<string, string> = {}) =>
  el('button', {type: 'button', class: cls, ...attrs}, text);

export interface Fields {
  form: HTMLFormElement;
  intro: HTMLParagraphElement;
  name: HTMLInputElement;
  email: HTMLInputElement;
  text: HTMLTextAreaElement;
}

function fields(label: string, intro: string, submit: string): Fields {
  const name = el('input', {type: 'text', maxlength: '80', autocomplete: 'name'});
  const email = el('input', {type: 'email', maxlength: '200', autocomplete: 'email'});
  const text = el('textarea', {maxlength: '4000', required: ''});
  const lead = el('p', {}, intro);
  const form = el(
    'form',
    {class: 'f', 'aria-label': label},
    lead,
    el('label', {}, 'Name (optional)', name),
    el('label', {}, 'E-mail (optional)', email),
    el('label', {}, 'Message', text),
    el('button', {type: 'submit', class: 'b'}, submit),
  );
  return {form, intro: lead, name, email, text};
}

export type View = ReturnType<typeof buildView>;

export function buildView(popout: boolean) {
  const launcher = button('l', 'Chat with us', {'aria-expanded': 'false', 'aria-controls': 'p', 'aria-haspopup': 'dialog'});
  const pop = button('i', '↗', {'aria-label': 'Open the chat in a new window', title: 'Open in a new window'});
  const hide = button('i', '×', {'aria-label': 'Minimise the chat', title: 'Minimise'});
  const status = el('p', {class: 's', role: 'status'});
  const log = el('div', {class: 'g', role: 'log', 'aria-label': 'Messages', tabindex: '0'});
  const request = fields('Start a chat', 'Ask us anything: an operator will answer here.', 'Start chat');
  const offline = fields(
    'Leave a message',
    'Nobody is available to chat right now. Leave a message and we will get back to you.',
    'Send message',
  );
  const input = el('textarea', {'aria-label': 'Your message', maxlength: '4000', rows: '2'});
  const leave = el('button', {type: 'button', class: 'b u'}, 'End chat');
  const composer = el('form', {class: 'k', 'aria-label': 'Send a message'}, input, el('div', {class: 'w'}, leave, el('button', {type: 'submit', class: 'b'}, 'Send')));
  const note = el('p', {class: 'n'});
  const again = button('b', 'Start a new chat');
  const panel = el(
    'section',
    {id: 'p', class: 'p', role: 'dialog', 'aria-labelledby': 't'},
    el('div', {class: 'h'}, el('h2', {id: 't'}, 'Chat'), pop, hide),
    status,
    log,
    request.form,
    offline.form,
    note,
    again,
    composer,
  );
  const host = document.createElement('cac-widget');
  // Open, so assistive tech and test tools can reach it; the page's CSS cannot either way.
  const shadow = host.attachShadow({mode: 'open'});
  shadow.append(el('style', {}, CSS), el('div', {class: popout ? 'r pop' : 'r'}, launcher, panel));
  if (popout) launcher.hidden = true;
  else panel.hidden = true;
  if (popout) hide.hidden = true;
  return {host, shadow, launcher, panel, pop, hide, status, log, request, offline, input, leave, composer, note, again};
}

/** A chat line: who said it (if anyone) and what, as text. */
export function line(kind: 'v' | 'o' | 'y', who: string, text: string, url?: string): HTMLElement {
  const m = el('div', {class: `m ${kind}`});
  if (who) m.append(el('b', {}, who));
  if (url) {
    const a = el('a', {target: '_blank', rel: 'noopener noreferrer'}, url);
    a.href = url;
    m.append(text, ' ', a);
  } else m.append(text);
  return m;
}

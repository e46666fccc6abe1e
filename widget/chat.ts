import type {ChatEvent, HubToVisitor, PROTOCOL_VERSION, VisitorToHub} from '../src/protocol/index.js';
import {currentPage} from './pages.js';
import {Socket} from './socket.js';
import {paint, type Mode} from './paint.js';
import {done, enqueue, outbox, Transcript, type Out} from './log.js';
import {load, newId, save, loadTab, saveTab} from './store.js';
import {openLink, popOut, popout} from './tabs.js';
import {TypingSignal} from './typing.js';
import type {Fields, View} from './view.js';

// The type ties this to the hub's constant: bumping the protocol breaks the widget's build.
const VERSION: typeof PROTOCOL_VERSION = 1;

type Who = {name?: string; email?: string};

const clip = (s: string, n: number) => s.trim().slice(0, n) || undefined;

export class Chat {
  mode: Mode = 'form';
  private online = true;
  blocked = false;
  private chatId?: string;
  operator?: string;
  private welcomed = false;
  private pageDue = false;
  private identifyDue = false;
  unread = false;
  note = '';
  typingName = '';
  notice = '';
  private transcript: Transcript;
  private typingTimer?: ReturnType<typeof setTimeout>;
  private typer: TypingSignal;
  private who: Who = load<Who>('who') ?? {};
  private socket: Socket;
  /** An operator's invitation shown in the request form, until answered or closed. */
  private invite?: {intro: string};

  constructor(
    private readonly v: View,
    url: string,
    private readonly site: string,
  ) {
    this.transcript = new Transcript(v.log);
    this.socket = new Socket(url, () => this.hello(), (f) => this.frame(f), () => this.render());
    this.typer = new TypingSignal(v.input, (f) => this.socket.send(f));
    this.fill();
    v.launcher.onclick = () => {
      if (v.panel.hidden) this.open();
      else this.close();
    };
    v.hide.onclick = () => this.close();
    // A handler property that returns false cancels the event: these bodies return nothing.
    v.panel.onkeydown = (e) => {
      if (e.key === 'Escape' && !popout) this.close();
    };
    v.request.form.onsubmit = (e) => this.submit(e, v.request, 'chat.request');
    v.offline.form.onsubmit = (e) => this.submit(e, v.offline, 'offline.message');
    v.composer.onsubmit = (e) => {
      e.preventDefault();
      this.say();
    };
    v.input.onkeydown = (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.say();
      }
    };
    v.input.oninput = () => this.typer.changed();
    v.leave.onclick = () => {
      if (!this.socket.send({t: 'chat.leave'})) this.status('Not connected: try again in a moment.');
    };
    v.again.onclick = () => {
      this.mode = this.idle();
      this.focus();
    };
    v.pop.onclick = () => {
      if (popOut()) this.close(false);
      else this.status('Your browser did not open the new window.');
    };
  }

  start(): void {
    this.render();
    this.socket.start();
    if (popout || loadTab<boolean>('open')) this.open(false);
  }

  open(focus = true): void {
    this.v.panel.hidden = false;
    this.unread = false;
    this.markRead();
    this.v.launcher.setAttribute('aria-expanded', 'true');
    if (!popout) saveTab('open', true);
    this.render();
    if (focus) this.focus();
  }

  close(focus = true): void {
    if (popout) return;
    // Closing an invitation without answering it is saying no: the operator is told.
    if (this.invite) {
      this.socket.send({t: 'invite.dismiss'});
      this.endInvite();
    }
    this.v.panel.hidden = true;
    this.v.launcher.setAttribute('aria-expanded', 'false');
    saveTab('open', false);
    this.render();
    if (focus) this.v.launcher.focus();
  }

  identify(who: unknown): void {
    const w = (who ?? {}) as Record<string, unknown>;
    const pick = (k: string) => (typeof w[k] === 'string' ? clip(w[k] as string, k === 'name' ? 80 : 200) : undefined);
    this.who = {name: pick('name') ?? this.who.name, email: pick('email') ?? this.who.email};
    save('who', this.who);
    this.fill();
    this.identifyDue = !this.socket.send({t: 'identify', ...this.who});
  }

  /** A history-API navigation: one more page view. */
  pageView(): void {
    this.pageDue = !this.socket.send({t: 'page', ...currentPage(false)});
  }

  private hello(): Extract<VisitorToHub, {t: 'hello'}> {
    const me = load<{id: string; token: string}>('me');
    return {
      t: 'hello',
      v: VERSION,
      site: this.site,
      visitorId: me?.id,
      resumeToken: me?.token,
      // The page load itself is the view; a reconnect of the same page is not another one.
      page: this.welcomed || popout ? undefined : currentPage(true),
      lastSeq: this.welcomed && this.transcript.lastSeq ? this.transcript.lastSeq : undefined,
    };
  }

  private idle(): Mode {
    this.note = '';
    return this.blocked ? 'blocked' : this.online ? 'form' : 'offline';
  }

  /**
   * To the chat form or leave-a-message, as things are now. Whatever the visitor had typed
   * follows into the other form: when operators come and go, and when the hub's welcome (saying
   * whether anyone is on-line) comes after the visitor started typing.
   */
  private toIdle(): void {
    const formOf = (mode: Mode) => (mode === 'form' ? this.v.request : mode === 'offline' ? this.v.offline : undefined);
    const from = formOf(this.mode);
    this.mode = this.idle();
    const to = formOf(this.mode);
    if (from && to && from !== to && !to.text.value) to.text.value = from.text.value;
  }

  private frame(f: HubToVisitor): void {
    if (f.t !== 'error' && f.t !== 'link.open' && f.t !== 'pong') this.notice = '';
    switch (f.t) {
      case 'welcome':
        return this.welcome(f);
      case 'ev':
        if (f.e && typeof f.e.seq === 'number') this.event(String(f.chatId), f.e);
        break;
      case 'chat.queued':
        if (this.chatId !== f.chatId) this.reset(f.chatId);
        break;
      case 'ack':
        done(f.id);
        break;
      case 'chat.offline':
      case 'chat.refused': {
        const asked = outbox().find((o) => o.t === 'chat.request');
        save('out', outbox().filter((o) => o.t !== 'chat.request'));
        this.transcript.dropAll();
        if (f.t === 'chat.refused') this.blocked = true;
        else this.online = false;
        this.mode = this.idle();
        if (asked && !this.blocked) this.v.offline.text.value = asked.text;
        this.focus();
        break;
      }
      case 'typing':
        this.typingName = f.typing ? String(f.name || 'The operator') : '';
        clearTimeout(this.typingTimer);
        if (f.typing) this.typingTimer = setTimeout(() => ((this.typingName = ''), this.render()), 8000);
        break;
      case 'link.open':
        if (typeof f.url === 'string' && !openLink(f.url)) this.status(`The operator sent a link: see the chat.`);
        break;
      case 'chat.closed':
        return this.closed(f);
      case 'online':
        this.online = f.online === true;
        // Only a visitor not yet in a chat sees the difference: the form or leave-a-message.
        if (this.mode === 'form' || this.mode === 'offline') this.toIdle();
        break;
      case 'invite':
        // Only a visitor who is not already chatting or writing to us sees it.
        if (this.mode === 'form' && !this.blocked && !this.invite) {
          this.invite = {intro: this.v.request.intro.textContent ?? ''};
          this.v.request.intro.textContent = `${String(f.name)}: ${String(f.text)}`;
          this.open(false);
        }
        break;
      case 'offline.stored':
        done(f.id);
        this.mode = 'sent';
        this.note = 'Thank you: your message has been sent and we will get back to you.';
        this.v.offline.text.value = '';
        break;
      case 'error': {
        const ref = f.ref;
        if (typeof ref === 'string' && this.transcript.has(ref)) {
          // Refused, never to be acked: what was typed goes back in the box (unless something
          // else is being typed there), so sending it again is one key once the reason passed.
          const refused = outbox().find((o) => o.id === ref);
          done(ref);
          this.transcript.drop(ref);
          if (refused?.t === 'msg' && this.v.input.value === '') this.v.input.value = refused.text;
        }
        this.status(String(f.message));
        break;
      }
    }
    this.render();
  }

  private welcome(f: Extract<HubToVisitor, {t: 'welcome'}>): void {
    save('me', {id: f.visitorId, token: f.resumeToken});
    this.welcomed = true;
    this.online = f.online === true;
    this.typer.preview = f.preview === true;
    this.blocked = typeof f.blockedUntil === 'number';
    if (f.chat) {
      if (f.chat.id !== this.chatId) this.reset(f.chat.id);
      this.operator = f.chat.operator;
    } else if (this.mode === 'chat' && this.chatId) {
      this.mode = 'ended';
      this.note = 'The chat has ended.';
    } else if (this.mode !== 'ended' && this.mode !== 'sent') this.toIdle();
    for (const out of outbox()) {
      if (out.t !== 'offline.message' && !this.transcript.has(out.id)) this.transcript.addPending(out.id, out.text);
      this.socket.send(out);
    }
    if (this.pageDue) this.pageView();
    if (this.identifyDue) this.identify(this.who);
    this.render();
  }

  private reset(chatId: string): void {
    this.chatId = chatId;
    this.transcript.clear();
    this.operator = undefined;
    this.mode = 'chat';
    this.note = '';
  }

  private event(chatId: string, e: ChatEvent): void {
    if (chatId !== this.chatId) this.reset(chatId);
    if (!this.transcript.event(e)) return;
    if (e.kind === 'join') this.operator = String(e.name);
    if (e.from === 'operator') this.typingName = '';
    // Read marks are shared by the tabs, so history replayed into a new tab is not news.
    const read = load<{c: string; s: number}>('read');
    if (!this.v.panel.hidden) this.markRead();
    else if (e.from === 'operator' && !(read?.c === chatId && read.s >= e.seq)) this.unread = true;
  }

  private closed(f: Extract<HubToVisitor, {t: 'chat.closed'}>): void {
    this.mode = 'ended';
    this.typingName = '';
    this.transcript.dropAll();
    if (f.reason === 'blocked') this.blocked = true;
    this.note =
      f.reason === 'left'
        ? 'You have left the chat.'
        : f.reason === 'blocked'
          ? 'This chat has been closed.'
          : 'The operator has ended the chat. Thank you for chatting with us.';
    this.render();
  }

  private submit(e: Event, fields: Fields, t: 'chat.request' | 'offline.message'): void {
    e.preventDefault();
    const text = clip(fields.text.value, 4000);
    if (!text) return fields.text.focus();
    this.who = {name: clip(fields.name.value, 80), email: clip(fields.email.value, 200)};
    save('who', this.who);
    this.fill();
    const out: Out = {t, id: newId(), text, ...this.who};
    enqueue(out);
    this.socket.send(out);
    if (t === 'chat.request') {
      this.endInvite();
      fields.text.value = '';
      this.reset('');
      this.transcript.addPending(out.id, text);
      this.focus();
    }
    this.render();
  }

  private say(): void {
    const text = clip(this.v.input.value, 4000);
    if (!text) return;
    this.notice = '';
    const out: Out = {t: 'msg', id: newId(), text};
    enqueue(out);
    this.transcript.addPending(out.id, text);
    this.socket.send(out);
    this.v.input.value = '';
    this.typer.stop();
  }

  private endInvite(): void {
    if (this.invite) this.v.request.intro.textContent = this.invite.intro;
    this.invite = undefined;
  }

  private markRead(): void {
    if (this.chatId) save('read', {c: this.chatId, s: this.transcript.lastSeq});
  }

  /** A one-off line in the status area, shown until the next thing happens in the chat. */
  private status(text: string): void {
    this.notice = text;
    this.render();
  }

  private fill(): void {
    for (const f of [this.v.request, this.v.offline]) {
      f.name.value ||= this.who.name ?? '';
      f.email.value ||= this.who.email ?? '';
    }
  }

  private focus(): void {
    this.render();
    const v = this.v;
    const target =
      this.mode === 'chat'
        ? v.input
        : this.mode === 'form' || this.mode === 'offline'
          ? (this.mode === 'form' ? v.request : v.offline).text
          : this.mode === 'ended' && !this.blocked
            ? v.again
            : v.log;
    if (!v.panel.hidden) target.focus();
  }

  private render(): void {
    if (this.mode === 'blocked') this.note = 'Chat is not available right now. Please try again later.';
    paint(this.v, {...this, up: this.socket.up});
  }
}

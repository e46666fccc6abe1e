import {popout} from './tabs.js';
import type {View} from './view.js';

export type Mode = 'form' | 'offline' | 'chat' | 'ended' | 'blocked' | 'sent';

export interface Shown {
  mode: Mode;
  up: boolean;
  blocked: boolean;
  unread: boolean;
  note: string;
  typingName: string;
  notice: string;
  operator?: string;
}

/** Brings the panel and launcher in line with the chat's state; touches only what changed. */
export function paint(v: View, s: Shown): void {
  const {mode} = s;
  v.request.form.hidden = mode !== 'form';
  v.offline.form.hidden = mode !== 'offline';
  v.log.hidden = mode !== 'chat' && mode !== 'ended';
  v.composer.hidden = mode !== 'chat';
  v.again.hidden = mode !== 'ended' || s.blocked;
  v.pop.hidden = popout || mode !== 'chat';
  v.note.textContent = s.note;
  v.note.hidden = !s.note;
  const status = s.notice
    ? s.notice
    : mode !== 'chat'
      ? ''
      : !s.up
        ? 'Reconnecting…'
        : s.typingName
          ? `${s.typingName} is typing…`
          : s.operator
            ? `You are chatting with ${s.operator}`
            : 'Waiting for an operator…';
  // Rewriting the same text would make screen readers announce it again.
  if (v.status.textContent !== status) v.status.textContent = status;
  const label = s.blocked
    ? 'Chat unavailable'
    : s.unread
      ? 'New message'
      : mode === 'chat'
        ? 'Continue chat'
        : mode === 'offline'
          ? 'Leave a message'
          : 'Chat with us';
  if (v.launcher.textContent !== label) v.launcher.textContent = label;
  v.launcher.classList.toggle('x', s.blocked);
}

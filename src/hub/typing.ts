import type {VisitorToHub} from '../protocol/index.js';
import {limitOf} from './abuse.js';
import type {Hub} from './hub.js';
import type {LiveVisitor} from './sessions.js';

type Typing = Extract<VisitorToHub, {t: 'typing'}>;

interface Gate {
  last: number;
  pending?: Typing;
  timer?: unknown;
}

const gates = new WeakMap<LiveVisitor, Gate>();

/**
 * Passes a visitor's typing signal (and preview) to the chat's operator, a few a second at most:
 * signals in between are coalesced and the latest one goes at the end of the interval, so the
 * operator still ends up seeing exactly what the visitor has typed (or that they stopped).
 */
export function passTyping(hub: Hub, live: LiveVisitor, frame: Typing): void {
  const gate = gates.get(live) ?? {last: -Infinity};
  gates.set(live, gate);
  const interval = 1000 / limitOf(live.site, 'typing-per-second');
  const wait = gate.last + interval - hub.now();
  if (wait <= 0 && gate.timer === undefined) {
    forward(hub, live, gate, frame);
    return;
  }
  gate.pending = frame;
  gate.timer ??= hub.later(Math.max(0, wait), () => {
    gate.timer = undefined;
    const latest = gate.pending;
    gate.pending = undefined;
    if (latest) forward(hub, live, gate, latest);
  });
}

function forward(hub: Hub, live: LiveVisitor, gate: Gate, frame: Typing): void {
  gate.last = hub.now();
  const chatId = live.record.chatId;
  const chat = chatId ? hub.chats.open.get(chatId)?.chat : undefined;
  if (!chat?.owner) return;
  const preview = live.site.preview && frame.typing ? frame.preview : undefined;
  hub.sessions.toOperator(chat.owner, {t: 'typing', chatId: chat.id, typing: frame.typing, preview});
}

import {text} from './history.js';
import type {OperatorClient} from './operator-client.js';
import type {ResumingVisitor} from './resuming-visitor.js';

/** A visitor's chat with the operator who took it, for the fault suites. */
export interface TrafficChat {
  visitor: ResumingVisitor;
  owner: OperatorClient;
  chatId: string;
  label: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each visitor asks for a chat and `ownerOf(i)` takes it; resolves once each visitor sees the join. */
export async function openChats(visitors: ResumingVisitor[], ownerOf: (i: number) => OperatorClient): Promise<TrafficChat[]> {
  const chats: TrafficChat[] = [];
  for (const [i, visitor] of visitors.entries()) {
    visitor.start();
    await visitor.until(() => visitor.up);
    visitor.request(text(`v${i}`, 0));
    await visitor.until(() => visitor.chatId !== undefined);
    const owner = ownerOf(i);
    owner.conn.send({t: 'chat.accept', chatId: visitor.chatId!});
    await visitor.until(() => [...visitor.shown.values()].some((e) => e.kind === 'join'));
    chats.push({visitor, owner, chatId: visitor.chatId!, label: `v${i}`});
  }
  return chats;
}

/**
 * Steady traffic in each chat until `running()` says stop: the visitor about every two seconds
 * (the hub allows 40 a minute), the operator every `operatorMs` (slower while its client says it
 * is disconnected, as a person would: a long outage must not pile up more than the hub takes in
 * one burst). `sent` counts each sender's messages by chat (text(sender, n) makes their texts).
 */
export function steadyTraffic(chats: TrafficChat[], running: () => boolean, operatorMs: () => number): {sent: Record<string, Record<string, number>>; done: Promise<unknown>} {
  const sent: Record<string, Record<string, number>> = {};
  for (const c of chats) sent[c.chatId] = {[c.label]: 1, [`${c.owner.name}-${c.label}`]: 0};
  const say = (chatId: string, who: string, send: (x: string) => void) => send(text(who, sent[chatId]![who]!++));
  const done = Promise.all([
    ...chats.map(async (c) => {
      while (running()) {
        say(c.chatId, c.label, (x) => c.visitor.say(x));
        await sleep(1800 + Math.random() * 1000);
      }
    }),
    ...chats.map(async (c) => {
      while (running()) {
        say(c.chatId, `${c.owner.name}-${c.label}`, (x) => c.owner.say(c.chatId, x));
        await sleep(c.owner.connected ? operatorMs() : 500);
      }
    }),
  ]);
  return {sent, done};
}

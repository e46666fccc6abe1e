import {hubToOperator, PROTOCOL_VERSION, type ChatEvent} from '../../src/protocol/index.js';
import {Peer} from './peer.js';

/** What a tap test offers that these checks use. */
interface Asserts {
  same(found: unknown, wanted: unknown, message: string): unknown;
  equal(found: unknown, wanted: unknown, message: string): unknown;
}

/**
 * Every event of these chats as the hub has them, through a socket of its own that asks for each
 * from seq 0 (and checks every frame against the protocol).
 */
export async function storedEvents(base: string, operator: string, token: string, chatIds: string[]): Promise<Map<string, ChatEvent[]>> {
  const peer = await Peer.connect(`${base}/ws/operator`, hubToOperator, {
    headers: {authorization: `Bearer ${token}`, 'x-cac-operator': operator},
  });
  try {
    peer.send({t: 'hello', v: PROTOCOL_VERSION, lastSeq: Object.fromEntries(chatIds.map((id) => [id, 0]))});
    const found = new Map<string, ChatEvent[]>();
    for (const chatId of chatIds) {
      await peer.waitFor((f) => f.t === 'synced' && f.chatId === chatId, 60_000);
      // A live event may come as well as its replay: each seq once.
      const bySeq = new Map<number, ChatEvent>();
      for (const f of peer.of('ev')) if (f.chatId === chatId) bySeq.set(f.e.seq, f.e as ChatEvent);
      found.set(chatId, [...bySeq.values()].sort((a, b) => a.seq - b.seq));
    }
    return found;
  } finally {
    peer.close();
  }
}

/** The numbers of `sender`'s messages in the order they stand, from texts made by `text`. */
export function numbersOf(events: ChatEvent[], sender: string): number[] {
  const prefix = `${sender}#`;
  return events.filter((e) => e.kind === 'msg' && e.text.startsWith(prefix)).map((e) => Number(e.text.slice(prefix.length)));
}

/** A message's text: who sent it and its number, so order and loss can be read back. */
export function text(sender: string, n: number): string {
  return `${sender}#${n}`;
}

/**
 * The checks every fault suite makes of one chat as stored: seqs 1..n with no gap, each message
 * id once, every acknowledged message there with the seq its ack gave, and each sender's
 * messages all there, once each, in the order sent.
 */
export function checkChat(
  t: Asserts,
  label: string,
  events: ChatEvent[],
  expected: {acks: Map<string, number>; sent: Record<string, number>},
): void {
  const seqs = events.map((e) => e.seq);
  t.same(seqs, seqs.map((_, i) => i + 1), `${label}: seqs 1..${seqs.length}, no gap`);
  const ids = events.flatMap((e) => (e.id ? [e.id] : []));
  t.equal(new Set(ids).size, ids.length, `${label}: no message id stored twice`);
  const seqOf = new Map(events.flatMap((e) => (e.id ? [[e.id, e.seq] as const] : [])));
  const lost = [...expected.acks].filter(([id, seq]) => seqOf.get(id) !== seq);
  t.same(lost, [], `${label}: all ${expected.acks.size} acknowledged messages stored with their acked seq`);
  for (const [sender, count] of Object.entries(expected.sent)) {
    t.same(numbersOf(events, sender), [...Array(count).keys()], `${label}: ${sender}'s ${count} messages, each once, in the order sent`);
  }
}

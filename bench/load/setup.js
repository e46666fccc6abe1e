// Bringing a server to the steady state the steps measure: every visitor connected (figure (c)
// is read there, idle), then each one in a chat accepted by operator i % N.

import {nowMs, sleep} from './clock.js';
import {listenOverflows} from './machine.js';
import {say} from './report.js';
import {rssMb} from './server.js';

/**
 * Throws when the server process, or one of several, has gone (crashed): the rest of its
 * figures would be noise.
 */
export function alive(servers) {
  for (const server of [servers].flat()) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`the ${server.name ?? 'server'} exited (${server.child.signalCode ?? server.child.exitCode}): ${server.stderr().trim()}`);
    }
  }
}

/** Resident memory of each server, in MB: "12" for one, "hub1 12, hub2 13" for several. */
function rss(servers) {
  const list = [servers].flat();
  const each = list.map((s) => rssMb(s.child.pid));
  const mb = each.reduce((a, b) => a + b, 0);
  return {mb, text: list.length === 1 ? `${mb.toFixed(0)} MB` : `${list.map((s, i) => `${s.name} ${each[i].toFixed(0)}`).join(', ')} MB`};
}

/** Chat i goes to operator i % N. `requested` is what each visitor client asked for, in order. */
const roundRobin = (requested, operatorCount) => requested.flatMap((r) => r.chats).map((chatId, i) => [i % operatorCount, chatId]);

/**
 * Resolves with what it saw and `ready`, the count of chatting visitors per visitor client.
 * `server` may be a list (several hubs). Options: `settleMs` before the idle RSS is read;
 * `assign(requested, operatorCount)` gives each chat's operator as [operatorIndex, chatId]
 * pairs; `restMs` to read the RSS at rest too (none when 0).
 */
export async function setUp(kind, server, clients, operatorCount, {settleMs, assign = roundRobin, restMs = 0}) {
  const sum = (list, key) => list.reduce((s, x) => s + (key ? x[key] : x), 0);
  // One operator is on-line while visitors arrive and ask for chats (a request is queued only
  // when someone is on-line); the others come after. The hub tells every on-line operator
  // about each visitor and rings each one per request, so with all of them on-line the setup
  // alone would take minutes; the steady state measured afterwards does not depend on it.
  const first = await clients.operators.call('connect', {timeoutMs: 60_000, to: 1}, 90_000);
  if (first.ready !== 1) throw new Error(`the first operator could not connect ${first.refused.join(', ')}`);

  // Visitors connect, a few hundred handshakes at a time, then sit idle.
  const connectStarted = nowMs();
  const overflows = listenOverflows();
  const connected = await Promise.all(
    clients.visitors.map((c) => c.call('connect', {concurrency: 100, timeoutMs: 60_000}, 600_000)),
  );
  const connect = {visitors: sum(connected, 'welcomed'), ms: nowMs() - connectStarted, acceptQueueOverflows: listenOverflows() - overflows};
  say(`${kind}: ${connect.visitors} visitors connected in ${(connect.ms / 1000).toFixed(1)} s (${connect.acceptQueueOverflows} SYNs dropped on a full accept queue)`);
  alive(server);
  await sleep(settleMs); // the handshakes' garbage goes before RSS is read
  alive(server);
  const idle = rss(server);
  const rssIdleMb = idle.mb;
  say(`${kind}: RSS with ${connect.visitors} idle visitors (and one operator): ${idle.text}`);
  // The connect burst grew the young generation of the server's heap, which stays committed
  // until its next collection; with everyone idle there is so little garbage that this comes
  // 30-60 s later. The lowest reading over `restMs` is what the server holds at rest.
  let rssRestMb = idle.mb;
  for (let waited = 0; waited < restMs; waited += 2000) {
    await sleep(2000);
    rssRestMb = Math.min(rssRestMb, rss(server).mb);
  }
  if (restMs > 0) say(`${kind}: RSS at rest (the lowest over ${restMs / 1000} s more): ${rssRestMb.toFixed(0)} MB`);

  const chatsStarted = nowMs();
  const requested = await Promise.all(
    clients.visitors.map((c) => c.call('request', {concurrency: 100, timeoutMs: 60_000}, 600_000)),
  );
  const assigned = assign(requested, operatorCount);
  const ops = await clients.operators.call('connect', {timeoutMs: 60_000, from: 1}, 120_000);
  if (ops.ready !== operatorCount) throw new Error(`only ${ops.ready} of ${operatorCount} operators connected ${ops.refused.join(', ')}`);
  say(`${kind}: ${assigned.length} chats asked for; ${ops.ready} operators on-line after ${Math.round(ops.ms)} ms`);
  await clients.operators.call('accept', {assign: assigned}, 600_000);
  const joined = await Promise.all(clients.visitors.map((c) => c.call('joined', {timeoutMs: 300_000}, 310_000)));
  const ready = await Promise.all(clients.visitors.map((c) => c.call('ready')));
  const chats = {chatting: sum(ready), waiting: sum(joined, 'waiting'), ms: nowMs() - chatsStarted};
  alive(server);
  const busy = rss(server);
  const rssChatsMb = busy.mb;
  say(`${kind}: ${chats.chatting} chats accepted in ${(chats.ms / 1000).toFixed(1)} s; RSS now ${busy.text}`);
  return {connect, rssIdleMb, rssRestMb: restMs > 0 ? rssRestMb : undefined, chats, rssChatsMb, ready};
}

import t from 'tap';
import {PROTOCOL_VERSION} from '../src/protocol/index.js';
import {adminCall, startTestHub} from './helpers/hub.js';
import {waitUntil} from './helpers/wait.js';

/*
 * An operator socket says hello once. A second hello used to be served again: queued behind a
 * slow first one, it ran after the socket had closed and counted the dead socket as connected
 * for good (visitors told someone is on-line, the operator's chats never released).
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('a second hello on an operator socket is refused with hello_twice and sends no second snapshot', async (t) => {
  const hub = await startTestHub();
  t.teardown(() => hub.close());
  const alice = await hub.operator('alice');
  alice.send({t: 'hello', v: PROTOCOL_VERSION});
  const answer = await alice.waitFor((f) => f.t === 'error' || alice.of('ready').length > 1);
  t.equal(answer.code, 'hello_twice');
  alice.send({t: 'ping'});
  await alice.waitType('pong');
  t.equal(alice.of('ready').length, 1, 'one snapshot only');
});

t.test('a socket gone before its hellos are served is not left connected', async (t) => {
  const hub = await startTestHub({operators: ['alice']});
  t.teardown(() => hub.close());
  // A slow first hello (a catch-up asked for thousands of chats), a second one behind it, and the
  // socket cut while they wait their turn.
  const lastSeq: Record<string, number> = {};
  for (let i = 0; i < 3000; i++) lastSeq[`nochat${i}`] = 0;
  const alice = await hub.operator('alice', {hello: false});
  alice.send({t: 'hello', v: PROTOCOL_VERSION, lastSeq});
  alice.send({t: 'hello', v: PROTOCOL_VERSION});
  await sleep(30);
  alice.ws.terminate();
  await waitUntil('the hub to see the socket close', () => hub.hub.sessions.allOperatorConns.size === 0);
  // Whatever was queued on the dead socket has long run by then.
  await sleep(3000);
  t.notOk(hub.hub.sessions.isConnected('alice'), 'alice is not counted as connected');
  const visitor = await hub.visitor();
  t.equal(visitor.of('welcome')[0]!.online, false, 'a visitor is told nobody is on-line');
});

t.test('an operator removed watches no site', async (t) => {
  const hub = await startTestHub({operators: ['alice', 'carol']});
  t.teardown(() => hub.close());
  t.ok(hub.hub.sessions.monitors('carol', 'example.com'), 'an account with no sites watches every site');
  await adminCall(hub, 'operators.remove', {name: 'carol'});
  t.notOk(hub.hub.sessions.monitors('carol', 'example.com'), 'once removed, none');
});

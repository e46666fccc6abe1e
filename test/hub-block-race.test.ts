import t from 'tap';
import {acceptedChat, startTestHub} from './helpers/hub.js';
import type {Peer} from './helpers/peer.js';

/*
 * A block is stored before its chat is closed. What else ends the chat while the block waits for
 * the disk (an end from the owner's other socket, a second block, the visitor leaving) used to
 * end it a second time: two closing events, two chat.closed to the visitor, two blocks stored.
 */

const CLOSING = new Set(['end', 'block', 'left']);

/** Everything each peer sent before now has been handled: its ping is answered after it. */
async function settled(...peers: Peer[]): Promise<void> {
  for (const peer of peers) {
    const from = peer.frames.length;
    peer.send({t: 'ping'});
    await peer.waitType('pong', () => true, from);
  }
}

async function setup(t: {teardown(fn: () => unknown): void}) {
  const hub = await startTestHub({operators: ['alice']});
  t.teardown(() => hub.close());
  const a1 = await hub.operator('alice');
  const a2 = await hub.operator('alice');
  const visitor = await hub.visitor();
  const chatId = await acceptedChat(visitor, a1);
  const blocks = () => hub.hub.globals.blocks.blocks.filter((b) => b.chatId === chatId).length;
  const closings = (peer: Peer) => peer.of('ev').filter((f) => f.chatId === chatId && CLOSING.has(f.e.kind));
  return {hub, a1, a2, visitor, chatId, blocks, closings};
}

t.test('block and end from two sockets at once: the chat is ended once', async (t) => {
  const {a1, a2, visitor, chatId, blocks, closings} = await setup(t);
  a1.send({t: 'chat.block', chatId});
  a2.send({t: 'chat.end', chatId});
  await settled(a1, a2, visitor);
  t.equal(closings(visitor).length, 1, 'one closing event');
  const closed = visitor.of('chat.closed');
  t.equal(closed.length, 1, 'the visitor is told once');
  t.same([...a1.of('error'), ...a2.of('error')].map((f) => f.code), ['chat_ended'], 'the later one is refused');
  t.equal(blocks(), closed[0]!.reason === 'blocked' ? 1 : 0, 'a block is stored only if the chat ended by it');
});

t.test('two blocks at once: one block is stored and the chat closed once', async (t) => {
  const {a1, a2, visitor, chatId, blocks, closings} = await setup(t);
  a1.send({t: 'chat.block', chatId});
  a2.send({t: 'chat.block', chatId});
  await settled(a1, a2, visitor);
  t.equal(closings(visitor).length, 1, 'one closing event');
  t.equal(visitor.of('chat.closed').length, 1, 'the visitor is told once');
  t.equal(blocks(), 1, 'one block');
  t.same([...a1.of('error'), ...a2.of('error')].map((f) => f.code), ['chat_ended'], 'the second is refused');
});

t.test('a block while the visitor leaves: the chat is ended once', async (t) => {
  const {a1, visitor, chatId, closings} = await setup(t);
  a1.send({t: 'chat.block', chatId});
  visitor.send({t: 'chat.leave'});
  await settled(a1, visitor);
  t.equal(closings(a1).length, 1, 'the owner sees one closing event');
});

import t from 'tap';
import {ChatModel} from '../src/hub/model.js';
import {MemoryStore} from '../src/store/memory-store.js';
import {NotStoredError} from '../src/store/store.js';
import type {ChatRecord} from '../src/store/types.js';

/*
 * With hubs sharing a store, a hub may change a chat it read from the store because the news
 * that another hub opened it had not come yet. The copy it stored must be the one it serves from
 * then on, or news of the older record, coming after, would become its copy.
 */

const waiting = (id: string): ChatRecord => ({id, kind: 'visitor', site: 'example.com', visitorId: `v-${id}`, state: 'waiting', operators: [], requestedAt: 1});
const take = (operator: string) => (c: ChatRecord) => {
  c.state = 'active';
  c.owner = operator;
  c.operators.push(operator);
};
const join = (operator: string) => ({kind: 'join', from: 'operator', name: operator, text: `${operator} joined the chat`}) as const;

async function setUp(shared: boolean) {
  const store = new MemoryStore();
  for (const id of ['c1', 'c2']) {
    await store.putChat(waiting(id));
    await store.appendEvent(id, {kind: 'msg', from: 'visitor', name: 'Visitor', text: 'hello', at: 1});
  }
  const model = new ChatModel(store, () => 1000, () => {});
  model.shared = shared;
  const told: Array<{owner?: string; seq: number; changed: boolean}> = [];
  model.onStored = (chat, e, changed) => told.push({owner: chat.owner, seq: e.seq, changed});
  return {store, model, told};
}

t.test('a chat read from the store and changed here is served from this copy from then on', async (t) => {
  const {model, told} = await setUp(true);
  const read = (await model.get('c1'))!;
  t.notOk(model.open.has('c1'), 'read, not held');
  await model.claim(read, 'bob', take('bob'), join('bob'), {type: 'chat.accepted', operator: 'bob'});
  t.equal(model.open.get('c1'), read, 'the changed copy is held');
  t.equal(model.open.get('c1')!.chat.owner, 'bob');

  // The news of the chat came while the change was being stored: the copy held takes the change.
  const again = (await model.get('c2'))!;
  model.open.set('c2', {chat: waiting('c2'), lastSeq: 1});
  await model.change(again, take('carol'), join('carol'), undefined, () => {});
  const held = model.open.get('c2')!;
  t.not(held, again, 'the copy held stays the one others hold');
  t.same([held.chat.owner, held.chat.state, held.lastSeq], ['carol', 'active', 2], 'with the change stored');
  held.chat.operators.push('x');
  t.same(again.chat.operators, ['carol'], 'a copy of its own, not the same arrays');

  await model.append(held, {kind: 'msg', from: 'operator', name: 'carol', text: 'hi', id: 'o-1'});
  t.same(told, [
    {owner: 'bob', seq: 2, changed: true},
    {owner: 'carol', seq: 2, changed: true},
    {owner: 'carol', seq: 3, changed: false},
  ], 'each stored event told with whether it changed the record');
});

t.test('a chat that ends as it is changed here is not held: history is read when asked for', async (t) => {
  const {store, model} = await setUp(true);
  const read = (await model.get('c1'))!;
  await model.change(read, (c) => void (c.state = 'ended'), {kind: 'end', from: 'system', name: 'system', text: 'ended'}, undefined, () => {});
  t.notOk(model.open.has('c1'), 'not held');
  t.equal((await store.chat('c1'))!.chat.state, 'ended', 'stored');
});

/** A store that refuses the events whose text is `refuse`, a moment after it is asked. */
class RefusingStore extends MemoryStore {
  refuse: string | undefined;
  override async appendEvent(...args: Parameters<MemoryStore['appendEvent']>): ReturnType<MemoryStore['appendEvent']> {
    if (args[1].text !== this.refuse) return super.appendEvent(...args);
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw new NotStoredError(new Error('no space left on device'));
  }
}

t.test('on one hub, a change asked for while another of the same chat is being written waits for it, so a refusal undoes only itself', async (t) => {
  const store = new RefusingStore();
  await store.putChat(waiting('c1'));
  const model = new ChatModel(store, () => 1000, () => {});
  const open = (await model.get('c1'))!;
  await model.claim(open, 'alice', take('alice'), join('alice'), {type: 'chat.accepted', operator: 'alice'});
  store.refuse = 'bob joined the chat';
  const add = (operator: string) => (c: ChatRecord) => void c.operators.push(operator);
  const refused = model.change(open, add('bob'), join('bob'), undefined, () => {});
  const stored = model.change(open, add('carol'), join('carol'), undefined, () => {});
  await t.rejects(refused, {code: 'not_stored'});
  t.equal((await stored).text, 'carol joined the chat');
  t.same(open.chat.operators, ['alice', 'carol'], 'the refused change is undone, the other kept');
  t.same((await store.chat('c1'))!.chat, open.chat, 'what the hub holds is what is stored');
});

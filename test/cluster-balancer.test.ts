import t from 'tap';
import type {Browser} from 'playwright-core';
import {askForChat, chatTexts, launchBrowser, noBrowser, watchedPage} from './helpers/browser.js';
import {noHubProcesses, startHubProcesses, type HubProcesses} from './helpers/hub-processes.js';
import type {Peer} from './helpers/peer.js';

/*
 * Scaling out, end to end: three `cac hub` processes on one PostgreSQL and one Redis behind a
 * real HAProxy. The visitor is a real browser whose page and widget socket the balancer sends to
 * hub1 (the cookie cac_hub); the operators are WebSocket clients it sends to hub2 and hub3. Every
 * look at a chat compares three views of it: the store's, the operator's and the page's.
 */

const ROUNDS = 10;

/** Polls until `check` holds; generous, for a busy machine. */
async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A new visitor (a browser context of its own) on the demo page, pinned to `pin`. */
async function visitorPage(t: {teardown(fn: () => unknown): void}, browser: Browser, cluster: HubProcesses, pin: string) {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  await context.addCookies([{name: 'cac_hub', value: pin, url: cluster.origin}]);
  const w = await watchedPage(context);
  await w.page.goto(`${cluster.origin}/demo/`);
  return {context, ...w};
}

const missing = noHubProcesses() || noBrowser();
if (missing) {
  t.test('hub processes behind a load balancer', {skip: missing}, () => {});
} else {
  t.test('three hub processes behind HAProxy: a visitor in Chromium on one, operators on the two others', async (t) => {
    const cluster = await startHubProcesses(t, {hubs: 3, operators: ['bob', 'carol']});
    const browser = await launchBrowser();
    t.teardown(() => browser.close());
    const ops: Record<string, Peer> = {bob: await cluster.operator('bob', 'hub2'), carol: await cluster.operator('carol', 'hub3')};
    t.teardown(() => Object.values(ops).forEach((peer) => peer.close()));
    const {bob, carol} = ops as {bob: Peer; carol: Peer};
    const connected = await Promise.all(cluster.hubs.map(async (hub) => (await hub.health()).body.operators));
    t.same(connected, [0, 1, 1], 'each operator is on the hub the balancer was told to send it to');

    /** A chat's events as the store has them: what every view must agree with. */
    const stored = async (chatId: string) => (await cluster.store.events(chatId)).map((e) => ({seq: e.seq, kind: e.kind, text: e.text, priv: e.priv === true}));
    const evs = (peer: Peer, chatId: string, from = 0) => peer.frames.slice(from).filter((f) => f.t === 'ev' && f.chatId === chatId).map((f) => f.e);

    // Rung on both hubs, both accept at once: one owner each time, the other told who.
    let kept: {page: Awaited<ReturnType<typeof visitorPage>>; chatId: string; visitorId: string; owner: string} | undefined;
    const wins: Record<string, number> = {bob: 0, carol: 0};
    const failures: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const visitor = await visitorPage(t, browser, cluster, 'hub1');
      await askForChat(visitor.page, `round ${round}`);
      const rung = (peer: Peer) => peer.waitType('chat.requested', (f) => f.chat.firstText === `round ${round}`);
      const [ringBob, ringCarol] = await Promise.all([rung(bob), rung(carol)]);
      const chatId = ringBob.chat.id as string;
      if (ringCarol.chat.id !== chatId) failures.push(`round ${round}: rung for ${chatId} and ${ringCarol.chat.id}`);
      // In one tick, each on its own socket to its own hub; who sends first changes each round.
      for (const peer of round % 2 ? [bob, carol] : [carol, bob]) peer.send({t: 'chat.accept', chatId});
      const told = await Promise.all([bob, carol].map((peer) => peer.waitType('chat.assigned', (f) => f.chatId === chatId)));
      const winner = told[0]!.operator as string;
      const loser = winner === 'bob' ? 'carol' : 'bob';
      if (told[1]!.operator !== winner) failures.push(`round ${round}: bob was told ${winner}, carol ${told[1]!.operator}`);
      const refused = await ops[loser]!.waitType('error', (f) => f.code === 'taken' && f.ref === chatId);
      if (!String(refused.message).includes(winner)) failures.push(`round ${round}: ${loser} was refused with ${JSON.stringify(refused.message)}`);
      if (ops[winner]!.of('error').some((f) => f.ref === chatId)) failures.push(`round ${round}: the winner, ${winner}, was refused too`);
      await visitor.page.getByRole('status').getByText(`You are chatting with ${winner}`).waitFor();
      const joins = (await stored(chatId)).filter((e) => e.kind === 'join');
      if (joins.length !== 1 || joins[0]!.text !== `${winner} joined the chat`) failures.push(`round ${round}: joins stored ${JSON.stringify(joins)}`);
      const shown = await chatTexts(visitor.page);
      if (shown.join('|') !== `round ${round}|${winner} joined the chat`) failures.push(`round ${round}: the page shows ${JSON.stringify(shown)}`);
      wins[winner]!++;
      if (round === ROUNDS) {
        kept = {page: visitor, chatId, visitorId: ringBob.chat.visitorId as string, owner: winner};
        break;
      }
      ops[winner]!.send({t: 'chat.end', chatId});
      await ops[winner]!.waitType('ev', (f) => f.chatId === chatId && f.e.kind === 'end');
      await visitor.context.close();
    }
    t.same(failures, [], `${ROUNDS} simultaneous accepts: one owner each time, the other operator told who`);
    t.comment(`bob won ${wins.bob} rounds, carol ${wins.carol}`);

    const {page: visitor, chatId, visitorId} = kept!;
    const page = visitor.page;
    let owner = ops[kept!.owner]!;
    let other = ops[kept!.owner === 'bob' ? 'carol' : 'bob']!;
    const name = (peer: Peer) => (peer === bob ? 'bob' : 'carol');
    const input = page.getByRole('textbox', {name: 'Your message'});
    /** Waits until a line of the page's chat log reads `text`. */
    const shows = (text: string) => until(`the page to show ${JSON.stringify(text)}`, async () => (await chatTexts(page).catch((): string[] => [])).includes(text));
    const say = async (text: string) => {
      await input.fill(text);
      await input.press('Enter');
    };
    /**
     * The page shows what is stored, in order. The operator got each event once; in the order
     * stored from each side, though one hub's can overtake another's (its client orders by seq).
     */
    const agree = async (what: string, peer: Peer) => {
      const all = await stored(chatId);
      const shown = all.filter((e) => !e.priv).map((e) => e.text);
      // What is still on its way gets a moment (an event doubled would stay doubled).
      const arrived = async () => {
        const seqs = new Set(evs(peer, chatId).map((e) => e.seq as number));
        const first = Math.min(...seqs);
        return all.every((e) => e.seq < first || seqs.has(e.seq)) && (await chatTexts(page).catch((): string[] => [])).length >= shown.length;
      };
      await until(`${what}: everything at the page and the operator`, arrived, 10_000).catch(() => {});
      const got = evs(peer, chatId);
      const seqs = got.map((e) => e.seq as number).sort((a, b) => a - b);
      t.same(seqs, all.slice(all.findIndex((e) => e.seq === seqs[0])).map((e) => e.seq), `${what}: ${name(peer)} got every event once`);
      // An operator who accepts is sent the history before its join after the join itself (its
      // client puts it in place): order is checked from the first event it got on.
      const live = got.filter((e) => e.seq >= got[0]!.seq);
      const ordered = (side: string) => live.filter((e) => e.from === side).every((e, i, list) => i === 0 || e.seq > list[i - 1]!.seq);
      t.ok(ordered('visitor') && ordered('operator'), `${what}: each side's events reached ${name(peer)} in the order stored`);
      t.same(await chatTexts(page), shown, `${what}: the page shows the chat as stored`);
    };

    // Both ways, interleaved: each side's messages in its order, once each.
    for (let i = 1; i <= 5; i++) {
      await say(`visitor ${i}`);
      owner.send({t: 'msg', id: owner.nextId(), chatId, text: `${name(owner)} ${i}`});
    }
    await owner.waitType('ev', (f) => f.chatId === chatId && f.e.text === 'visitor 5');
    await shows(`${name(owner)} 5`);
    await until('every message stored', async () => (await stored(chatId)).filter((e) => e.kind === 'msg').length === 11);
    const texts = (await stored(chatId)).filter((e) => e.kind === 'msg').map((e) => e.text);
    t.same(texts.filter((x) => x.startsWith('visitor')), [1, 2, 3, 4, 5].map((i) => `visitor ${i}`), 'the visitor\'s messages stored in the order typed');
    t.same(texts.filter((x) => x.startsWith(name(owner))), [1, 2, 3, 4, 5].map((i) => `${name(owner)} ${i}`), 'the operator\'s in the order sent');
    await agree('messages both ways', owner);

    // The page moves to hub3 (a new pin, a reload): the widget resumes the chat there.
    t.same(await cluster.servingVisitor(visitorId), ['hub1'], 'the visitor is on hub1');
    const before = await chatTexts(page);
    const seen = owner.frames.length;
    await visitor.context.addCookies([{name: 'cac_hub', value: 'hub3', url: cluster.origin}]);
    await page.reload();
    await until('the visitor on hub3 alone', async () => (await cluster.servingVisitor(visitorId)).join() === 'hub3');
    await page.getByRole('status').getByText(`You are chatting with ${name(owner)}`).waitFor();
    await shows(before.at(-1)!);
    t.same(await chatTexts(page), before, 'on hub3 the page shows the same chat: nothing lost, nothing doubled');
    owner.send({t: 'msg', id: owner.nextId(), chatId, text: 'still there?'});
    await shows('still there?');
    await say('yes, after the move');
    await owner.waitType('ev', (f) => f.chatId === chatId && f.e.text === 'yes, after the move');
    t.same(evs(owner, chatId, seen).map((e) => e.text), ['still there?', 'yes, after the move'], 'the move itself sent the operator nothing');
    await agree('after the move', owner);

    // The owner leaves: the other operator is rung again, takes it, and the chat goes on.
    const ringFrom = other.frames.length;
    owner.send({t: 'chat.leave', chatId});
    await other.waitType('chat.requested', (f) => f.chat.id === chatId, ringFrom);
    t.pass(`${name(owner)} left: ${name(other)}, on another hub, is rung again`);
    other.send({t: 'chat.accept', chatId});
    await page.getByRole('status').getByText(`You are chatting with ${name(other)}`).waitFor();
    [owner, other] = [other, owner];
    owner.send({t: 'msg', id: owner.nextId(), chatId, text: `${name(owner)} here now`});
    await shows(`${name(owner)} here now`);
    await say('thanks');
    await owner.waitType('ev', (f) => f.chatId === chatId && f.e.text === 'thanks');
    await agree('after the handover', owner);
    t.same(visitor.errors, [], 'no errors on the page');
    t.same(visitor.dialogs, []);
  });
}

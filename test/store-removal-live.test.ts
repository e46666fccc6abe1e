import t from 'tap';
import {EmbeddedStore} from '../src/store/embedded-store.js';
import {nodeFiles, type FileLayer} from '../src/store/file-layer.js';
import {asyncReads, type ReadLayer} from '../src/store/read-layer.js';
import type {VisitStart} from '../src/store/types.js';
import {filesByPath} from './helpers/files.js';

/*
 * Erasure and retention while the hub goes on writing: nothing acknowledged meanwhile may be
 * lost, and a visitor whose log was removed or emptied can start it again.
 */

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
const visit = (id: string, start: number): VisitStart => ({id, start, ip: '198.51.100.7', browser: 'Firefox 120', os: 'Linux', userAgent: 'UA'});

/** A file layer telling when the checkpoint writes to a file whose path ends with `suffix`. */
function watchedFiles(suffix: string, wrote: () => void): FileLayer {
  return filesByPath((pathOf) => ({
    async write(fd, buffer, offset) {
      if (pathOf(fd).endsWith(suffix)) wrote();
      return nodeFiles.write(fd, buffer, offset);
    },
    appendNow(path, data) {
      if (path.endsWith(suffix)) wrote();
      nodeFiles.appendNow(path, data);
    },
  }));
}

/** Reads as the hub does; once armed, `during` runs after the next read of a file ending with `suffix`. */
function readsWith(suffix: string, during: () => Promise<void>): {reads: ReadLayer; arm: () => void} {
  let armed = false;
  return {
    arm: () => (armed = true),
    reads: {
      ...asyncReads,
      async readText(path) {
        const text = await asyncReads.readText(path);
        if (armed && path.endsWith(suffix)) {
          armed = false;
          await during();
        }
        return text;
      },
    },
  };
}

for (const [what, suffix] of [
  ['the feed file', 'feed/000000000001.log'],
  ["the visitor's log", 'visitors/v1.log'],
] as const) {
  t.test(`retention rewriting ${what} while the hub writes to it keeps every line acknowledged meanwhile`, async (t) => {
    const dir = t.testdir();
    let checkpointWrote = () => {};
    let wroteEarly = false;
    const acked: string[] = [];
    let store!: EmbeddedStore;
    // Once retention has read the file, the visitor views pages: each is acknowledged, and with
    // segments of one group each, every one finishes a segment and sets the checkpoint going.
    const {reads, arm} = readsWith(suffix, async () => {
      const wroteDuringPrune = new Promise<void>((resolve) => (checkpointWrote = resolve));
      for (let i = 0; i < 5; i++) {
        const url = `https://example.com/now/${i}`;
        await store.appendPage('v1', 'now', {url, title: 'now', at: NOW + i}, {site: 'example.com'});
        acked.push(url);
      }
      // Before the fix the checkpoint appended them to the file retention had in hand; now it
      // waits for retention to finish, so this gives up after a while.
      await Promise.race([wroteDuringPrune.then(() => (wroteEarly = true)), new Promise((r) => setTimeout(r, 2000))]);
      checkpointWrote = () => {};
    });
    const make = (files = nodeFiles, r = asyncReads) => new EmbeddedStore(dir, {journal: true, segmentBytes: 1, files, reads: r, log: () => {}});
    store = make(watchedFiles(suffix, () => checkpointWrote()), reads);
    await store.open();
    await store.putVisitor({id: 'v1', site: 'example.com', tokenHash: 'h', firstSeen: NOW - 40 * DAY, chats: []});
    await store.appendVisit('v1', visit('old', NOW - 40 * DAY), {site: 'example.com'});
    await store.appendPage('v1', 'old', {url: 'https://example.com/old', title: 'old', at: NOW - 40 * DAY}, {site: 'example.com'});
    await store.appendVisit('v1', visit('now', NOW), {site: 'example.com'});
    arm();
    t.same(await store.prune(() => NOW - 30 * DAY), {chats: 0, visits: 1});
    t.equal(wroteEarly, false, 'the checkpoint did not write to the file while retention had it');
    t.same((await store.visits('v1')).map((v) => v.id), ['now']);
    await store.close();

    const again = make();
    await again.open();
    const [now] = await again.visits('v1');
    t.same(now?.pages.map((p) => p.url), acked, 'every page acknowledged during retention is in the log');
    const feed = await again.feed(0, 100);
    const urls = feed.entries.flatMap((e) => (e.type === 'page.viewed' && e.page ? [e.page.url] : []));
    t.same(urls.filter((u) => u.includes('/now/')), acked, 'and in the feed');
    t.equal(feed.entries.at(-1)?.cursor, await again.feedEnd(), 'the feed has no gap at its end');
    await again.close();
  });
}

for (const journal of [true, false]) {
  const mode = journal ? 'journalled' : 'written through';
  t.test(`${mode}: a visitor whose log retention emptied starts it again, and keeps it`, async (t) => {
    const dir = t.testdir();
    const make = () => new EmbeddedStore(dir, {journal, log: () => {}});
    const store = make();
    await store.open();
    // A chat keeps the visitor; their visits are all past retention, so the log is emptied.
    await store.putVisitor({id: 'v1', site: 'example.com', tokenHash: 'h', firstSeen: NOW - 40 * DAY, chats: ['c1']});
    await store.putChat({id: 'c1', kind: 'visitor', site: 'example.com', visitorId: 'v1', state: 'waiting', operators: [], requestedAt: NOW - 40 * DAY});
    for (let i = 0; i < 3; i++) await store.appendVisit('v1', visit(`old${i}`, NOW - 40 * DAY + i));
    t.same(await store.prune(() => NOW - 30 * DAY), {chats: 0, visits: 3});
    await store.appendVisit('v1', visit('new0', NOW));
    await store.appendPage('v1', 'new0', {url: 'https://example.com/', title: 't', at: NOW});
    await store.close();
    const again = make();
    await again.open();
    const visits = await again.visits('v1');
    t.same(visits.map((v) => [v.id, v.pages.length]), [['new0', 1]], 'the new visit and its page are on disk');
    await again.close();
  });

  t.test(`${mode}: an erased visitor who comes back with the same id keeps their new visits`, async (t) => {
    const dir = t.testdir();
    const make = () => new EmbeddedStore(dir, {journal, log: () => {}});
    const store = make();
    await store.open();
    await store.putVisitor({id: 'v1', site: 'example.com', tokenHash: 'h', firstSeen: 1, chats: []});
    for (let i = 0; i < 3; i++) await store.appendVisit('v1', visit(`a${i}`, 1000 + i));
    t.match(await store.eraseVisitor('v1'), {visitor: true, visits: 3});
    await store.putVisitor({id: 'v1', site: 'example.com', tokenHash: 'h', firstSeen: 2, chats: []});
    await store.appendVisit('v1', visit('b0', 5000));
    await store.appendVisit('v1', visit('b1', 5001));
    await store.close();
    const again = make();
    await again.open();
    t.same((await again.visits('v1')).map((v) => v.id), ['b1', 'b0']);
    await again.close();
  });
}

import t from 'tap';
import {ReadAhead} from '../src/hub/read-ahead.js';

/*
 * A page of a listing is worked out before it is asked for, once the page before it has been
 * answered: for the same asker and question only, a few seconds at most, and a failure is
 * asked again rather than handed out.
 */

type Page = {items: number[]; next?: string};

/** Three pages (cursor 0, 3, 6) of ten items; every run counted. */
function pages(fail = new Set<string>()) {
  const runs: string[] = [];
  const run = async (input: unknown): Promise<Page> => {
    const cursor = (input as {cursor?: string}).cursor ?? '0';
    runs.push(cursor);
    if (fail.has(cursor)) {
      fail.delete(cursor);
      throw new Error(`page ${cursor} failed`);
    }
    const from = Number(cursor);
    const items = [from, from + 1, from + 2].filter((n) => n < 9);
    return from + 3 < 9 ? {items, next: String(from + 3)} : {items};
  };
  return {runs, run};
}

const settle = () => new Promise((r) => setImmediate(r));

t.test('each page after the first is ready when asked for; none is worked out twice', async (t) => {
  const ahead = new ReadAhead();
  const {runs, run} = pages();
  const got: number[] = [];
  let cursor: string | undefined;
  do {
    const page = (await ahead.answer('', 'transcripts.export', {limit: 3, ...(cursor ? {cursor} : {})}, run)) as Page;
    got.push(...page.items);
    cursor = page.next;
    await settle();
  } while (cursor);
  t.same(got, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  t.same(runs, ['0', '3', '6'], 'each page once: the second and third were read ahead');
});

t.test('another asker or question is answered anew; what is read ahead for one stays theirs, a few seconds', async (t) => {
  let now = 0;
  const ahead = new ReadAhead(() => now);
  const {runs, run} = pages();
  await ahead.answer('alice', 'transcripts.export', {limit: 3}, run);
  await settle();
  t.same(runs, ['0', '3', '6'], 'two pages ahead');
  await ahead.answer('bob', 'transcripts.export', {limit: 3, cursor: '3'}, run);
  await ahead.answer('alice', 'transcripts.export', {limit: 3, cursor: '3', site: 'x'}, run);
  t.same(runs, ['0', '3', '6', '3', '3'], 'bob did not get what was read for alice, nor another question its answer');
  await ahead.answer('alice', 'transcripts.export', {limit: 3, cursor: '6'}, run);
  t.same(runs.length, 5, 'alice did, skipping a page');
  await ahead.answer('carol', 'transcripts.export', {limit: 3}, run);
  await settle();
  now += 60_000;
  await ahead.answer('carol', 'transcripts.export', {limit: 3, cursor: '3'}, run);
  await settle();
  t.same(runs.slice(5), ['0', '3', '6', '3', '6'], 'a minute later, the pages are read again');
});

t.test('a page read ahead that failed is asked again; a question that is not one is not read ahead', async (t) => {
  const ahead = new ReadAhead();
  const {runs, run} = pages(new Set(['3']));
  await ahead.answer('', 'transcripts.export', {limit: 3}, run);
  await settle();
  const page = (await ahead.answer('', 'transcripts.export', {limit: 3, cursor: '3'}, run)) as Page;
  t.same(page.items, [3, 4, 5]);
  t.same(runs, ['0', '3', '3', '6'], 'failed ahead, then asked again (and the next read ahead)');
  await settle();
  await t.rejects(ahead.answer('', 'transcripts.export', {limit: 'three'}, async () => Promise.reject(new Error('invalid'))), /invalid/);
  t.same(runs, ['0', '3', '3', '6'], 'nothing read ahead of a question that fails');
});

t.test('a change lets go of every page worked out ahead', async (t) => {
  const ahead = new ReadAhead();
  const {runs, run} = pages();
  await ahead.answer('', 'transcripts.export', {limit: 3}, run);
  await settle();
  ahead.clear();
  await ahead.answer('', 'transcripts.export', {limit: 3, cursor: '3'}, run);
  t.same(runs, ['0', '3', '6', '3', '6'], 'the pages are worked out again, after the change');
});

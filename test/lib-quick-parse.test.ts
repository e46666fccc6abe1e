import fc from 'fast-check';
import t from 'tap';
import {z, type ZodType} from 'zod';
import {quickParse, quickSafeParse} from '../src/lib/quick-parse.js';
import {adminOps, feedEntry, hubToOperator, hubToVisitor, operatorToHub, visitorToHub} from '../src/protocol/index.js';
import {chatLine, visitorLine} from '../src/store/log-file.js';
import {chatRecord, globalSchemas, visitorRecord} from '../src/store/types.js';
import {arbitraryOf, PROTO_NAMES} from './helpers/frame-arbitraries.js';

/*
 * The compiled checks must answer exactly as zod does, for every value: the same verdict, the
 * same error, the same data (keys in the same order, a key present but undefined kept), and
 * they must vouch for the values the store and the hub actually hold, or they save nothing.
 */

type Def = Parameters<typeof arbitraryOf>[0];
const defOf = (s: ZodType) => (s as unknown as {def: Def}).def;

const valuesOf = (schema: ZodType) => arbitraryOf(defOf(schema));

/** Some key of `v` (at any depth) given another value, taken away, or joined by another key. */
function spoiled(v: unknown, n: number, how: number, value: unknown): unknown {
  if (typeof v !== 'object' || v === null) return value;
  const copy: Record<string, unknown> = Array.isArray(v) ? ([...v] as unknown as Record<string, unknown>) : {...v};
  const keys = Object.keys(copy);
  if (keys.length === 0 || how === 0) return Object.assign(copy, {[typeof value === 'string' ? value : `${JSON.stringify(value)}`]: 1});
  const key = keys[n % keys.length]!;
  if (how === 1) delete copy[key];
  else if (how === 2) copy[key] = value;
  else copy[key] = spoiled(copy[key], Math.floor(n / keys.length), how === 3 ? 2 : how - 1, value);
  return copy;
}

/** Keys in another order: zod's answer has the schema's. */
function shuffled(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shuffled);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, shuffled(x)]));
}

/** JSON that shows key order and a key present but undefined. */
const exact = (v: unknown) => JSON.stringify(v, (_, x: unknown) => (x === undefined ? '<undefined>' : x));

const odd = fc.oneof(fc.jsonValue({maxDepth: 2}), fc.constantFrom(null, undefined, [], {}, '', -1, 0.5, 2 ** 53, NaN, Infinity, ...PROTO_NAMES));

/** What the store reads and the admin API answers, often; then every schema of the protocol. */
const schemas: [string, ZodType, number][] = [
  ['chatLine', chatLine, 2000],
  ['visitorLine', visitorLine, 2000],
  ['chatRecord', chatRecord, 1000],
  ['visitorRecord', visitorRecord, 500],
  ...Object.entries(globalSchemas).map(([name, s]): [string, ZodType, number] => [name, s, 300]),
  ['exportPage', adminOps['transcripts.export'].output, 1000],
  ['feedEntry', feedEntry, 500],
  ...[hubToOperator, operatorToHub, hubToVisitor, visitorToHub].map((s, i): [string, ZodType, number] => [`frames ${i}`, s, 300]),
  ...Object.entries(adminOps).flatMap(([op, {input, output}]): [string, ZodType, number][] => [
    [`${op} input`, input, 100],
    [`${op} output`, output, 100],
  ]),
];

for (const [name, schema, numRuns] of schemas) {
  t.test(`${name}: the same answer as zod, for values good and bad`, async (t) => {
    const values = fc.oneof(
      {weight: 4, arbitrary: valuesOf(schema)},
      {weight: 4, arbitrary: fc.tuple(valuesOf(schema), fc.nat(), fc.nat(5), odd).map(([v, n, how, x]) => spoiled(v, n, how, x))},
      {weight: 1, arbitrary: valuesOf(schema).map(shuffled)},
      {weight: 1, arbitrary: odd},
    );
    fc.assert(
      fc.property(values, (value) => {
        const zod = schema.safeParse(value);
        const quick = quickSafeParse(schema, value);
        if (zod.success !== quick.success) return false;
        if (!zod.success) return exact(zod.error.issues) === exact(quick.error!.issues);
        if (exact(zod.data) !== exact(quick.data)) return false;
        const reused = quickParse(schema, value, {reuse: true});
        // Handed back as it is only when it already was what zod returns.
        return exact(reused) === exact(zod.data) && (reused !== value || exact(value) === exact(zod.data));
      }),
      {numRuns},
    );
    // What it gave back is its own: a copy, unless asked to reuse.
    const good = fc.sample(valuesOf(schema), 200).find((v) => schema.safeParse(v).success && typeof v === 'object');
    if (good) t.not(quickParse(schema, good), good, 'a copy');
  });
}

t.test('stored lines and answers are vouched for without zod; anything else goes to zod, errors and all', async (t) => {
  const event = {kind: 'msg', from: 'visitor', name: 'Eve', text: 'Hello', at: 1, seq: 1};
  const calls = {safeParse: 0, parse: 0};
  for (const method of ['safeParse', 'parse'] as const) {
    const original = chatLine[method].bind(chatLine);
    t.teardown(() => void (chatLine[method] = original as never));
    chatLine[method] = ((v: unknown) => (calls[method]++, original(v))) as never;
  }
  // As the hub writes it: the event's keys in its own order, the number last.
  const line = JSON.parse(JSON.stringify({n: 1, e: event}));
  t.same(quickSafeParse(chatLine, line), {success: true, data: {n: 1, e: {seq: 1, at: 1, kind: 'msg', from: 'visitor', name: 'Eve', text: 'Hello'}}});
  t.same(calls, {safeParse: 0, parse: 0}, 'zod was not asked');
  const wrong = quickSafeParse(chatLine, {n: 2, e: {...event, kind: 'shout'}});
  t.equal(wrong.success, false);
  t.match(wrong.error?.issues[0], {path: ['e', 'kind'], code: 'invalid_value'}, "zod's own issue");
  t.equal(calls.safeParse, 1, 'zod was asked about the one that is wrong');
  t.throws(() => quickParse(chatLine, {n: 0, e: event}), z.ZodError);

  const page = {transcripts: [], next: 'abc'};
  t.equal(quickParse(adminOps['transcripts.export'].output, page, {reuse: true}), page, 'an answer in order is used as it is');
  t.same(quickParse(adminOps['transcripts.export'].output, {next: 'abc', transcripts: []}, {reuse: true}), page, 'one out of order is copied in order');
});

t.test('schemas it does not compile are left to zod whole', async (t) => {
  const cases: [ZodType, unknown, boolean][] = [
    [z.string().trim(), ' a ', true],
    [z.email(), 'a@b.example', true],
    [z.number().default(3), undefined, true],
    [z.object({a: z.string()}).strict(), {a: 'x', b: 1}, false],
    [z.object({a: z.string()}).passthrough(), {a: 'x', b: 1}, true],
    [z.object({a: z.number()}).refine((o) => o.a > 1), {a: 1}, false],
    [z.string().transform((s) => s.length), 'abc', true],
    [z.int(), 1.5, false],
    [z.xor([z.string(), z.string().min(1)]), 'a', false],
    [z.record(z.enum(['a', 'b']), z.number()), {a: 1, b: 2}, true],
    [z.union([z.string(), z.number()]), 1, true],
    // The first option zod takes is one not compiled: the second, though it would do, is not the answer.
    [z.union([z.object({a: z.string().trim()}), z.object({a: z.string()})]), {a: ' x '}, true],
    [z.tuple([z.string()]), ['a'], true],
    [z.string().nullable(), null, true],
  ];
  for (const [schema, value, success] of cases) {
    const zod = schema.safeParse(value);
    const quick = quickSafeParse(schema, value);
    t.equal(quick.success, success, `${schema.def.type} ${JSON.stringify(value)}`);
    t.equal(exact(quick.data), exact(zod.data));
  }
  // Holes in an array become undefined in zod's copy: such an array is never handed back as it is.
  const holes: (number | undefined)[] = [1, 2, 3];
  delete holes[1];
  const filled = quickParse(z.array(z.number().optional()), holes, {reuse: true});
  t.not(filled, holes);
  t.ok(1 in filled, 'the hole is filled, as zod does');
  // A recursive schema: compiled as far as it is not recursive.
  const tree: ZodType = z.object({name: z.string(), get children() {
    return z.array(tree);
  }});
  const deep = {name: 'a', children: [{name: 'b', children: []}]};
  t.same(quickParse(tree, deep), deep);
});

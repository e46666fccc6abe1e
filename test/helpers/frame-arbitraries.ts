import fc from 'fast-check';
import {PROTOCOL_VERSION} from '../../src/protocol/index.js';

/** Names every JavaScript object inherits: as ids, keys and types they catch lookups in plain objects. */
export const PROTO_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
];

/** Strings that have broken servers: ways out of a folder, control and bidi characters, markup, number-likes. */
const NASTY = [
  '', ' ', '.', '..', '../operators', '../../../../etc/passwd', 'chats/x', 'a\\b', 'op~alice~bob', 'op~bob~mallory',
  '%2e%2e%2f', '\u0000', '\r\n', '\u202e\u2066', '\ud800', '😀😀😀', '<script>alert(1)</script>', '{{7*7}}', '${7*7}',
  'null', 'undefined', 'NaN', 'Infinity', '-1', '1e400', '0x10', 'ALICE', ' alice', 'alice ', 'a'.repeat(65),
];

/**
 * Ids the hub made (chats, visitors, canned responses, left messages) are not known when frames
 * are generated: a field that takes one gets a placeholder, replaced when the frame is sent by
 * the n-th id of that kind seen so far, so frames reach real records, the control chat's too.
 */
export type RefKind = 'chat' | 'visitor' | 'token' | 'sent' | 'canned' | 'message' | 'operator';
const refsByField: Record<string, RefKind[]> = {
  chatId: ['chat'],
  visitorId: ['visitor'],
  resumeToken: ['token'],
  id: ['sent', 'canned', 'message'],
  to: ['operator'],
};

/** Puts the ids known now in place of the placeholders of a frame's JSON text. */
export function resolveRefs(text: string, known: Record<RefKind, string[]>): string {
  return text.replace(/\\u0001ref:([a-z]+):(\d+)/g, (whole, kind: RefKind, n: string) => {
    const list = known[kind] ?? [];
    return list.length === 0 ? whole : JSON.stringify(list[Number(n) % list.length]).slice(1, -1);
  });
}

const ASCII = Array.from({length: 95}, (_, i) => String.fromCharCode(32 + i));

/** What a zod 4 schema says of itself, as far as generating values goes. */
interface Def {
  type: string;
  shape?: Record<string, {def: Def}>;
  innerType?: {def: Def};
  values?: unknown[];
  entries?: Record<string, string>;
  keyType?: {def: Def};
  valueType?: {def: Def};
  element?: {def: Def};
  options?: {def: Def}[];
  checks?: Array<{_zod: {def: {check: string; format?: string; pattern?: RegExp; minimum?: number; maximum?: number}}}>;
}

function bounds(def: Def): {min: number; max: number; pattern?: RegExp} {
  const checks = (def.checks ?? []).map((c) => c._zod.def);
  return {
    min: checks.find((c) => c.check === 'min_length')?.minimum ?? 0,
    max: checks.find((c) => c.check === 'max_length')?.maximum ?? 300,
    pattern: checks.find((c) => c.format === 'regex')?.pattern,
  };
}

function stringOf(def: Def, field: string): fc.Arbitrary<string> {
  const {min, max, pattern} = bounds(def);
  // The characters a pattern takes, so most strings pass it (and reach the handler).
  const chars = pattern && ASCII.filter((c) => pattern.test(c.repeat(Math.max(min, 1))));
  const fitting = chars
    ? fc.string({unit: fc.constantFrom(...chars), minLength: min, maxLength: Math.min(max, 40)})
    : fc.string({unit: 'grapheme', minLength: min, maxLength: Math.min(max, 200)});
  const options: Array<fc.WeightedArbitrary<string>> = [
    {weight: 6, arbitrary: fitting},
    {weight: 2, arbitrary: fc.constantFrom(...PROTO_NAMES)},
    {weight: 2, arbitrary: fc.constantFrom(...NASTY)},
    {weight: 1, arbitrary: fc.string({unit: 'binary', maxLength: 40})},
    // Right at the limits and one past them, in one- and two-byte characters.
    {weight: 1, arbitrary: fc.tuple(fc.constantFrom(max, max + 1, Math.max(0, min - 1)), fc.constantFrom('x', 'é', ' ')).map(([n, c]) => c.repeat(n))},
  ];
  const kinds = refsByField[field];
  if (kinds) options.push({weight: 6, arbitrary: fc.tuple(fc.constantFrom(...kinds), fc.nat(1000)).map(([k, n]) => `\u0001ref:${k}:${n}`)});
  return fc.oneof(...options);
}

const anyNumber = fc.oneof(
  {weight: 6, arbitrary: fc.nat(60)},
  {weight: 1, arbitrary: fc.integer()},
  {weight: 1, arbitrary: fc.constantFrom(-1, 0.5, -0, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e21, Number.MAX_VALUE, Number.MIN_VALUE)},
  {weight: 1, arbitrary: fc.double({noNaN: true, noDefaultInfinity: true})},
);

/** Values of the shape a schema describes: mostly valid, often at or past its limits. */
export function arbitraryOf(def: Def, field = ''): fc.Arbitrary<unknown> {
  switch (def.type) {
    case 'object': {
      const shape = def.shape!;
      const model = Object.fromEntries(Object.entries(shape).map(([key, s]) => [key, arbitraryOf(s.def, key)]));
      const requiredKeys = Object.keys(shape).filter((key) => shape[key]!.def.type !== 'optional');
      return fc.record(model, {requiredKeys});
    }
    case 'optional':
      return arbitraryOf(def.innerType!.def, field);
    case 'nullable':
      return fc.oneof(fc.constant(null), arbitraryOf(def.innerType!.def, field));
    case 'union':
      return fc.oneof(...def.options!.map((o) => arbitraryOf(o.def, field)));
    case 'literal':
      return fc.constantFrom(...def.values!);
    case 'string':
      return stringOf(def, field);
    case 'number':
      // A peer with another protocol version is sent away at once: most hellos carry this one.
      return field === 'v' ? fc.oneof({weight: 8, arbitrary: fc.constant(PROTOCOL_VERSION)}, anyNumber) : anyNumber;
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries!));
    case 'record':
      return fc.dictionary(
        fc.oneof(arbitraryOf(def.keyType!.def, 'chatId') as fc.Arbitrary<string>, fc.constantFrom(...PROTO_NAMES)),
        arbitraryOf(def.valueType!.def, field),
        {maxKeys: 6},
      );
    case 'array':
      return fc.array(arbitraryOf(def.element!.def, field), {maxLength: 6});
    default:
      // The protocol grew a kind of value this does not know: say so rather than fuzz less.
      throw new Error(`no arbitrary for a zod ${def.type}`);
  }
}

/** One frame as it goes on the wire, and the `t` it was made from (when it was made from one). */
export type Wire = {t?: string; text: string} | {t?: undefined; binary: Uint8Array};
type Shaped = Record<string, unknown> & {t: string};

const json = (v: unknown) => JSON.stringify(v);
/** Some other key's value, in place of the one picked by `n`. */
function replaced(v: Shaped, n: number, value: unknown): Shaped {
  const keys = Object.keys(v);
  return {...v, [keys[n % keys.length]!]: value};
}
const SLOT = 'fuzz-slot-5f0c1b';

const wrongValue = fc.oneof(
  fc.jsonValue({maxDepth: 3}),
  fc.constantFrom(null, [], {}, true, 0, '', -1, 1e308, [1, 2], {t: 'ping'}),
  fc.constantFrom(...PROTO_NAMES),
);

/**
 * Frames for a socket whose frames `union` (a zod discriminated union) describes: one of every
 * option, shaped by its schema, then often spoiled: a field missing, of the wrong type, extra
 * ones (an own `__proto__` too), an unknown type, cut short, nested thousands deep, huge, not an
 * object, not JSON, binary.
 */
export function wireFrames(union: {options: ReadonlyArray<{def: unknown}>}): fc.Arbitrary<Wire> {
  const shaped = fc.oneof(...union.options.map((o) => arbitraryOf(o.def as Def) as fc.Arbitrary<Shaped>));
  const of = (v: Shaped, text: string): Wire => ({t: v.t, text});
  return fc.oneof(
    {weight: 14, arbitrary: shaped.map((v) => of(v, json(v)))},
    {weight: 2, arbitrary: fc.tuple(shaped, fc.nat()).map(([v, n]) => of(v, json(replaced(v, n, undefined))))},
    {weight: 3, arbitrary: fc.tuple(shaped, fc.nat(), wrongValue).map(([v, n, w]) => of(v, json(replaced(v, n, w))))},
    {weight: 1, arbitrary: fc.tuple(shaped, fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...PROTO_NAMES)), wrongValue, {maxKeys: 3})).map(([v, extra]) => of(v, json({...extra, ...v})))},
    {weight: 1, arbitrary: fc.tuple(shaped, fc.constantFrom(...PROTO_NAMES)).map(([v, k]) => of(v, `{"${k}":{"t":"ping","admin":true},${json(v).slice(1)}`))},
    {weight: 1, arbitrary: fc.tuple(shaped, fc.oneof(fc.string(), fc.constantFrom(...PROTO_NAMES), fc.constantFrom('MSG', 'msg ', 'hello\u0000', 'error', 'ack', 'ready'))).map(([v, t]) => of(v, json({...v, t})))},
    {weight: 1, arbitrary: fc.tuple(shaped, fc.nat()).map(([v, n]) => of(v, json(v).slice(0, n % json(v).length)))},
    {
      weight: 1,
      arbitrary: fc.tuple(shaped, fc.nat(), fc.integer({min: 100, max: 12_000}), fc.boolean()).map(([v, n, depth, arrays]) => {
        const deep = arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '0' + '}'.repeat(depth);
        return of(v, json(replaced(v, n, SLOT)).replace(`"${SLOT}"`, deep));
      }),
    },
    {
      weight: 1,
      // Mostly under the hub's 64 KiB limit (taken and refused), sometimes over it (the socket closes).
      arbitrary: fc.tuple(shaped, fc.oneof({weight: 4, arbitrary: fc.integer({min: 20_000, max: 60_000})}, fc.integer({min: 65_000, max: 70_000}))).map(([v, n]) => {
        const key = Object.keys(v).find((k) => k !== 't' && typeof v[k] === 'string') ?? 'pad';
        return of(v, json({...v, [key]: 'x'.repeat(n)}));
      }),
    },
    {weight: 1, arbitrary: fc.jsonValue({maxDepth: 2}).map((v) => ({text: json(v) ?? 'null'}))},
    {weight: 1, arbitrary: fc.string({unit: 'binary', maxLength: 60}).map((text) => ({text}))},
    {weight: 1, arbitrary: fc.uint8Array({maxLength: 100}).map((binary) => ({binary}))},
  );
}

/** Every `t` a discriminated union of frames takes. */
export function frameTypes(union: {options: ReadonlyArray<{def: unknown}>}): string[] {
  return union.options.map((o) => String(((o.def as Def).shape!.t!.def.values ?? [])[0]));
}

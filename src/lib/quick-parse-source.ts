import type {ZodType} from 'zod';

/*
 * The source of the function quick-parse.ts compiles for a zod schema: one pass over a value
 * that fails (runs `fail`, a statement) wherever it cannot vouch that the value is what zod would
 * return. Written for zod 4's definitions; a kind of schema, or a check, not known here is left
 * to zod (the statement there is `fail`).
 *
 * Two kinds of function: one that copies the value as zod does (keys in the schema's order,
 * arrays and objects new), and one that vouches for a value only when it is already exactly that
 * copy (the same keys, in the same order), so that it can be used as it is.
 */

/** The parts of zod's internal definitions read here. */
interface Def {
  type: string;
  checks?: {_zod: {def: CheckDef}}[];
  coerce?: boolean;
  shape?: Record<string, ZodType>;
  catchall?: ZodType;
  element?: ZodType;
  innerType?: ZodType;
  options?: ZodType[];
  discriminator?: string;
  inclusive?: boolean;
  unionFallback?: boolean;
  keyType?: ZodType;
  valueType?: ZodType;
}

interface CheckDef {
  check: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  length?: number;
  value?: number;
  inclusive?: boolean;
  pattern?: RegExp;
}

function defOf(schema: ZodType): Def {
  return (schema as unknown as {_zod: {def: Def}})._zod.def;
}

/** The values a literal or an enum takes (zod works them out). */
function valuesOf(schema: ZodType): Set<unknown> | undefined {
  return (schema as unknown as {_zod: {values?: Set<unknown>}})._zod.values;
}

/** Every check zod runs on a value of `def`: a format schema (z.int()) is its own first check. */
function checkDefs(def: Def): CheckDef[] {
  const own = 'check' in def ? [def as unknown as CheckDef] : [];
  return [...own, ...(def.checks ?? []).map((c) => c._zod.def)];
}

/** Types that never take undefined: an object lacking a key of one of them fails. */
const REQUIRED = new Set(['string', 'number', 'boolean', 'enum', 'object', 'array', 'record']);
/** Types whose checks are compiled; on any other, a check (a refinement) is left to zod. */
const CHECKED = new Set(['string', 'number', 'array']);

/** Statements, fresh names, and the constants they read. */
export class Source {
  readonly lines: string[] = [];
  readonly constants: unknown[] = [];
  private names = 0;
  /** Schemas being written: one met again inside itself is recursive, left to zod. */
  readonly open = new Set<ZodType>();

  /** `copy`: the function returns a copy, as zod does; else the value itself, when it is one. */
  constructor(readonly copy: boolean) {}

  name(): string {
    return `v${this.names++}`;
  }

  constant(value: unknown): string {
    this.constants.push(value);
    return `k[${this.constants.length - 1}]`;
  }

  line(text: string): void {
    this.lines.push(text);
  }

  /** A line of the copy only. */
  copying(text: string): void {
    if (this.copy) this.lines.push(text);
  }
}

const key = (k: string) => JSON.stringify(k);

/** The test of every check of a string, a number or an array's length; undefined when one is not known here. */
function checkTest(src: Source, def: Def, x: string): string | undefined {
  const size = def.type === 'number' ? x : `${x}.length`;
  const tests: string[] = [];
  for (const c of checkDefs(def)) {
    if (c.check === 'min_length') tests.push(`${size} >= ${Number(c.minimum)}`);
    else if (c.check === 'max_length') tests.push(`${size} <= ${Number(c.maximum)}`);
    else if (c.check === 'length_equals') tests.push(`${size} === ${Number(c.length)}`);
    else if (c.check === 'string_format' && c.format === 'regex' && def.type === 'string') {
      const pattern = src.constant(c.pattern);
      tests.push(`(${pattern}.lastIndex = 0, ${pattern}.test(${x}))`);
    } else if (c.check === 'number_format' && c.format === 'safeint' && def.type === 'number') tests.push(`Number.isSafeInteger(${x})`);
    else if ((c.check === 'greater_than' || c.check === 'less_than') && def.type === 'number' && typeof c.value === 'number') {
      tests.push(`${x} ${c.check === 'greater_than' ? '>' : '<'}${c.inclusive ? '=' : ''} ${c.value}`);
    } else return undefined;
  }
  return [...tests, 'true'].join(' && ');
}

/** `typeOk` and every check, or undefined when a check is not known here. */
function withChecks(src: Source, def: Def, x: string, typeOk: string): string | undefined {
  const checks = checkTest(src, def, x);
  return checks === undefined ? undefined : `${typeOk} && ${checks}`;
}

const plain = (x: string) => `typeof ${x} === "object" && ${x} !== null && Object.getPrototypeOf(${x}) === Object.prototype`;

/**
 * Writes the statements that check the value in variable `x` against `schema`; returns the
 * variable that then holds what the function returns for it.
 */
export function write(src: Source, schema: ZodType, x: string, fail: string): string {
  const def = defOf(schema);
  if (src.open.has(schema) || def.coerce || (!CHECKED.has(def.type) && checkDefs(def).length > 0)) {
    src.line(fail);
    return x;
  }
  src.open.add(schema);
  try {
    return writeType(src, schema, def, x, fail);
  } finally {
    src.open.delete(schema);
  }
}

function writeType(src: Source, schema: ZodType, def: Def, x: string, fail: string): string {
  const test = (condition: string | undefined) => {
    src.line(condition === undefined ? fail : `if (!(${condition})) ${fail}`);
    return x;
  };
  switch (def.type) {
    case 'string':
      return test(withChecks(src, def, x, `typeof ${x} === "string"`));
    case 'number':
      return test(withChecks(src, def, x, `typeof ${x} === "number" && Number.isFinite(${x})`));
    case 'boolean':
      return test(`typeof ${x} === "boolean"`);
    case 'literal':
    case 'enum': {
      const values = valuesOf(schema);
      return test(values && `${src.constant(values)}.has(${x})`);
    }
    case 'optional':
    case 'nullable': {
      const out = src.name();
      src.copying(`let ${out} = ${x};`);
      src.line(`if (${x} !== ${def.type === 'optional' ? 'undefined' : 'null'}) {`);
      const inner = write(src, def.innerType!, x, fail);
      src.copying(`${out} = ${inner};`);
      src.line('}');
      return src.copy ? out : x;
    }
    case 'array':
      return writeArray(src, def, x, fail);
    case 'object':
      return writeObject(src, def, x, fail);
    case 'record':
      return writeRecord(src, def, x, fail);
    case 'union':
      return writeUnion(src, def, x, fail);
    default:
      return test(undefined);
  }
}

function writeArray(src: Source, def: Def, x: string, fail: string): string {
  const ok = withChecks(src, def, x, `Array.isArray(${x})`);
  // Zod's copy has undefined where the array has holes: one that may hold them is copied.
  if (ok === undefined || (!src.copy && defOf(def.element!).type === 'optional')) {
    src.line(fail);
    return x;
  }
  const i = src.name();
  return writeEach(src, x, fail, def.element!, {ok, empty: `new Array(${x}.length)`, at: i, loop: `let ${i} = 0; ${i} < ${x}.length; ${i}++`});
}

/** What an array and a record share: each item (at index or key `at`) checked, and copied into `empty`. */
function writeEach(src: Source, x: string, fail: string, item: ZodType, each: {ok: string; empty: string; at: string; loop: string; guard?: string}): string {
  const [out, value] = [src.name(), src.name()];
  src.line(`if (!(${each.ok})) ${fail}`);
  src.copying(`const ${out} = ${each.empty};`);
  src.line(`for (${each.loop}) {`);
  if (each.guard) src.line(`if (!(${each.guard})) ${fail}`);
  src.line(`const ${value} = ${x}[${each.at}];`);
  const copied = write(src, item, value, fail);
  src.copying(`${out}[${each.at}] = ${copied};`);
  src.line('}');
  return src.copy ? out : x;
}

/**
 * An object (without a catchall: strict, or passing unknown keys through). Its copy holds the
 * schema's keys only, in its order: zod strips any other.
 */
function writeObject(src: Source, def: Def, x: string, fail: string): string {
  const fields = Object.entries(def.shape!);
  if (def.catchall || fields.some(([k]) => k === '__proto__')) {
    src.line(fail);
    return x;
  }
  const out = src.name();
  src.line(`if (!(${plain(x)})) ${fail}`);
  src.copying(`const ${out} = {};`);
  for (const [name, field] of fields) {
    const value = src.name();
    const optional = defOf(field).type === 'optional';
    src.line(`const ${value} = ${x}[${key(name)}];`);
    src.line(`if (${value} === undefined) {`);
    // Present but undefined, an optional key stays in what zod returns.
    src.line(optional ? (src.copy ? `if (${key(name)} in ${x}) ${out}[${key(name)}] = undefined;` : '') : fail);
    src.line('} else {');
    const copied = write(src, optional ? defOf(field).innerType! : field, value, fail);
    src.copying(`${out}[${key(name)}] = ${copied};`);
    src.line('}');
  }
  if (src.copy) return out;
  // Used as it is: its own keys are the schema's (none to strip), in the schema's order.
  const [order, at, k] = [src.constant(fields.map(([name]) => name)), src.name(), src.name()];
  src.line(`let ${at} = 0;`);
  src.line(`for (const ${k} in ${x}) {`);
  src.line(`if (!Object.hasOwn(${x}, ${k})) ${fail}`);
  src.line(`while (${at} < ${order}.length && ${order}[${at}] !== ${k}) ${at}++;`);
  src.line(`if (${at}++ === ${order}.length) ${fail}`);
  src.line('}');
  return x;
}

/** A record keyed by any string (the only key zod takes as it is). */
function writeRecord(src: Source, def: Def, x: string, fail: string): string {
  const keyDef = defOf(def.keyType!);
  if (keyDef.type !== 'string' || keyDef.coerce || checkDefs(keyDef).length > 0) {
    src.line(fail);
    return x;
  }
  const k = src.name();
  return writeEach(src, x, fail, def.valueType!, {
    ok: `${plain(x)} && Object.getOwnPropertySymbols(${x}).length === 0`,
    empty: '{}',
    at: k,
    loop: `const ${k} in ${x}`,
    guard: `Object.hasOwn(${x}, ${k}) && ${k} !== "__proto__"`,
  });
}

/**
 * A discriminated union takes the option its discriminator names. Any other union takes the
 * first option that parses: the value is vouched for only when each option before the one it
 * matches surely fails (an object lacking a key that option requires, or holding another literal).
 */
function writeUnion(src: Source, def: Def, x: string, fail: string): string {
  if (def.unionFallback || (def.discriminator === undefined && def.inclusive === false)) {
    src.line(fail);
    return x;
  }
  const [out, done] = [src.name(), src.name()];
  src.copying(`let ${out};`);
  src.line(`${done}: {`);
  const seen = new Set<unknown>();
  for (const option of def.options!) {
    if (def.discriminator !== undefined) {
      const tag = defOf(option).shape?.[def.discriminator];
      const values = tag && valuesOf(tag);
      if (!values || [...values].some((v) => seen.has(v))) break;
      for (const v of values) seen.add(v);
      src.line(`if (${plain(x)} && ${src.constant(values)}.has(${x}[${key(def.discriminator)}])) {`);
      const copied = write(src, option, x, fail);
      src.copying(`${out} = ${copied};`);
      src.line(`break ${done};`);
      src.line('}');
    } else {
      const tried = src.name();
      src.line(`${tried}: {`);
      const copied = write(src, option, x, `break ${tried};`);
      src.copying(`${out} = ${copied};`);
      src.line(`break ${done};`);
      src.line('}');
      src.line(`if (!(${surelyFails(src, option, x)})) ${fail}`);
    }
  }
  src.line(fail);
  src.line('}');
  return src.copy ? out : x;
}

/** A test that is true only when zod surely refuses `x` for `schema` (false when it cannot be told cheaply). */
function surelyFails(src: Source, schema: ZodType, x: string): string {
  const def = defOf(schema);
  if (def.type !== 'object') return 'false';
  const tests = [`typeof ${x} !== "object"`, `${x} === null`, `Array.isArray(${x})`];
  for (const [name, field] of Object.entries(def.shape!)) {
    const type = defOf(field).type;
    const values = valuesOf(field);
    if (REQUIRED.has(type)) tests.push(`${x}[${key(name)}] === undefined`);
    if ((type === 'literal' || type === 'enum') && values && !values.has(undefined)) tests.push(`!${src.constant(values)}.has(${x}[${key(name)}])`);
  }
  return tests.join(' || ');
}

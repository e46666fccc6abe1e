import type {ZodType, z} from 'zod';
import {Source, write} from './quick-parse-source.js';

/*
 * Zod, applied to thousands of values that nearly always conform (log lines the hub wrote, the
 * hub's answers, pages of an export), spends most of its time on its general machinery: a
 * payload and an issue list per field, a run of checks per value. A schema compiled here is one
 * plain function, written for that schema, that answers whether zod would take a value, and
 * returns what zod would return for it (a copy: keys in the schema's order, unknown ones left out).
 *
 * It only ever vouches: anything it is not sure of (a value that fails, a schema feature not
 * compiled here: transforms, defaults, refinements...) goes to zod itself, which answers as it
 * always did, with the same data or the same error. So the schemas stay the one definition, and a
 * damaged value is reported exactly as before. test/lib-quick-parse.test.ts holds it to that.
 */

/** What a compiled schema answers when it cannot vouch for a value. */
const NO: unique symbol = Symbol('no');
type Quick = (value: unknown) => unknown;
const never: Quick = () => NO;

/** Compiled functions by schema: copying ones, and ones that return the value itself. */
const compiled = {copy: new WeakMap<ZodType, Quick>(), reuse: new WeakMap<ZodType, Quick>()};

function compile(schema: ZodType, copy: boolean): Quick {
  const cache = copy ? compiled.copy : compiled.reuse;
  let quick = cache.get(schema);
  if (quick) return quick;
  const src = new Source(copy);
  const out = write(src, schema, 'input', 'return NO;');
  try {
    // Like zod's own compiled parsers; where code generation is not allowed, zod does it all.
    quick = new Function('NO', 'k', `return function quick(input) {\n${src.lines.join('\n')}\nreturn ${out};\n};`)(NO, src.constants) as Quick;
  } catch {
    quick = never;
  }
  cache.set(schema, quick);
  return quick;
}

/** `schema.safeParse(value)`, through the compiled check when it vouches for the value. */
export function quickSafeParse<S extends ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  const copied = compile(schema, true)(value);
  return copied === NO ? schema.safeParse(value) : {success: true, data: copied as z.output<S>};
}

/**
 * `schema.parse(value)`, through the compiled check when it vouches for the value. With `reuse`,
 * a value that already is exactly what zod would return (keys in the schema's order included)
 * is returned as it is rather than copied: for one its owner hands over, such as an answer.
 */
export function quickParse<S extends ZodType>(schema: S, value: unknown, {reuse = false} = {}): z.output<S> {
  const same = reuse ? compile(schema, false)(value) : NO;
  if (same !== NO) return same as z.output<S>;
  const copied = compile(schema, true)(value);
  return copied === NO ? schema.parse(value) : (copied as z.output<S>);
}

import type {z} from 'zod';

export * from './common.js';
export * from './errors.js';
export * from './visitor.js';
export * from './operator.js';
export * from './events.js';

export type Parsed<T> = {ok: true; value: T} | {ok: false; error: string};

/** Parses one JSON text frame against a schema; the error names the first problem found. */
export function parseFrame<T>(schema: z.ZodType<T>, raw: string): Parsed<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {ok: false, error: 'frame is not valid JSON'};
  }
  const result = schema.safeParse(json);
  if (result.success) return {ok: true, value: result.data};
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') + ': ' : '';
  return {ok: false, error: where + (issue?.message ?? 'invalid frame')};
}
export * from './admin.js';

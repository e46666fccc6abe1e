import {ZodError} from 'zod';
import {quickParse} from '../lib/quick-parse.js';
import {adminOps, type AdminOpName, type AdminOutput} from '../protocol/index.js';
import {OpError} from './error.js';
import type {AdminContext} from './context.js';
import type {Handlers} from './handlers.js';
import {accountOps} from './ops-accounts.js';
import {statusOps} from './ops-status.js';
import {supportOps} from './ops-support.js';
import {transcriptOps} from './ops-transcripts.js';
import {visitorOps} from './ops-visitors.js';

/** Every operation of the admin API; the compiler checks that none is missing. */
export const handlers: Handlers = {...accountOps, ...supportOps, ...visitorOps, ...statusOps, ...transcriptOps};

export function isOpName(name: string): name is AdminOpName {
  return Object.hasOwn(adminOps, name);
}

/** Validates the input against the protocol, runs the operation, and checks what it answers. */
export async function runOp<N extends AdminOpName>(ctx: AdminContext, name: N, input: unknown): Promise<AdminOutput<N>> {
  const spec = adminOps[name];
  const parsed = spec.input.safeParse(input);
  if (!parsed.success) throw new OpError('invalid', describe(parsed.error));
  const handler = handlers[name] as (ctx: AdminContext, input: unknown) => Promise<unknown>;
  // What the handler built is its own to hand over: checked, and copied only when it must be.
  return quickParse(spec.output, await handler(ctx, parsed.data), {reuse: true}) as AdminOutput<N>;
}

/** A validation failure in one line: where, then what. */
export function describe(error: ZodError): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') + ': ' : '';
  return where + (issue?.message ?? 'invalid input');
}

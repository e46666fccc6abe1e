import type {AdminInput, AdminOpName, AdminOutput} from '../protocol/index.js';
import type {AdminTarget, TargetOptions} from './admin-target.js';

/**
 * Runs one admin operation (through a running hub, or on the data folder). The machinery (the
 * store, the schemas) loads only when a command runs, so `cac --help` stays quick.
 */
export async function callAdmin<N extends AdminOpName>(opts: TargetOptions, name: N, input: AdminInput<N>): Promise<AdminOutput<N>> {
  const {callAdmin: call} = await import('./admin-target.js');
  return call(opts, name, input);
}

/** callAdmin for one command's target, for a helper that is given a way to call (unknown-names.ts). */
export function adminCaller(opts: TargetOptions): AdminTarget['call'] {
  return (name, input) => callAdmin(opts, name, input);
}

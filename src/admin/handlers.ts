import type {AdminInput, AdminOpName, AdminOutput} from '../protocol/index.js';
import type {AdminContext} from './context.js';

/** One function per operation of the admin API, run in a hub or on the data folder alike. */
export type Handlers = {[N in AdminOpName]: (ctx: AdminContext, input: AdminInput<N>) => Promise<AdminOutput<N>>};

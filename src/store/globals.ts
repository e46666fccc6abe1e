import type {
  BlockRecord,
  Canned,
  OfflineMessage,
  OperatorRecord,
  SiteRecord,
  StatusRecord,
} from './types.js';

/** The small documents that hold everything that is not per chat or per visitor. */
export interface Globals {
  operators: {operators: OperatorRecord[]};
  sites: {sites: SiteRecord[]};
  blocks: {blocks: BlockRecord[]};
  canned: {canned: Canned[]};
  messages: {messages: OfflineMessage[]};
  status: StatusRecord;
}

/** What each global document holds before anything was written to it. */
export const globalDefaults: {[K in keyof Globals]: () => Globals[K]} = {
  operators: () => ({operators: []}),
  sites: () => ({sites: []}),
  blocks: () => ({blocks: []}),
  canned: () => ({canned: []}),
  messages: () => ({messages: []}),
  status: () => ({status: {}}),
};

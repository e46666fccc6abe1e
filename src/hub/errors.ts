import type {ErrorCode} from '../protocol/index.js';

/** A refusal the peer is told about in an `error` frame; nothing has been changed. */
export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

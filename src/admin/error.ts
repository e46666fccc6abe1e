import type {ErrorCode} from '../protocol/index.js';

/**
 * An admin operation that could not be done, for a reason the caller can act on: the code is
 * one of the protocol's, and says how `cac` exits (invalid: 2, anything else: 1).
 */
export class OpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OpError';
  }
}

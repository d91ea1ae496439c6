import type { RejectReason } from '@kyoyu/contracts';

/**
 * Thrown by a handler when the record itself is bad: it is rejected at once with this reason, never
 * retried. Anything else a handler throws is treated as transient and retried a bounded number of times.
 */
export class PoisonRecordError extends Error {
  constructor(
    readonly reason: RejectReason,
    /** Must not contain record content. */
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

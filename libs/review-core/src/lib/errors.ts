/** Stable codes of the review domain's refusals. Messages never quote draft or alert content. */
export type ReviewErrorCode =
  | 'REVIEW.NOT_FOUND'
  | 'REVIEW.ALREADY_DECIDED'
  | 'REVIEW.VERSION_CONFLICT'
  | 'REVIEW.SAME_REVIEWER'
  | 'REVIEW.REDACTION_INVALID'
  | 'REVIEW.REDACTION_INSUFFICIENT'
  | 'REVIEW.REASON_REQUIRED'
  | 'REVIEW.ASSIGNEE_INVALID'
  | 'REVIEW.CUSTOMER_UNREGISTERED';

export class ReviewError extends Error {
  constructor(
    readonly code: ReviewErrorCode,
    message: string,
    /** Safe details: kinds, paths and counts only. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ReviewError';
  }
}

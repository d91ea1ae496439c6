import { ReviewError } from './errors';

/** `held → approved | rejected | expired`, with `awaiting-second-approval` between two approvals. */
export type ReviewState = 'held' | 'awaiting-second-approval' | 'approved' | 'rejected' | 'expired';

export const REVIEW_STATES: readonly ReviewState[] = [
  'held',
  'awaiting-second-approval',
  'approved',
  'rejected',
  'expired',
];

/** States in which a reviewer can still act on an item. */
export const OPEN_STATES: readonly ReviewState[] = ['held', 'awaiting-second-approval'];

export interface Approval {
  reviewerId: string;
  at: string;
}

/** What the state machine needs to know about an item. */
export interface ItemSnapshot {
  state: ReviewState;
  version: number;
  fourEyes: boolean;
  approvals: readonly Approval[];
}

export interface Transition {
  from: ReviewState;
  to: ReviewState;
  approvals: Approval[];
}

export function isOpen(state: ReviewState): boolean {
  return OPEN_STATES.includes(state);
}

/** Optimistic locking: a caller that read version N may act only while the item is still at N. */
export function checkVersion(item: ItemSnapshot, expected: number | undefined): void {
  if (expected !== undefined && expected !== item.version) {
    throw new ReviewError('REVIEW.VERSION_CONFLICT', 'the item changed since it was read; reload it', {
      expected,
      actual: item.version,
    });
  }
}

function requireOpen(item: ItemSnapshot): void {
  if (!isOpen(item.state)) {
    throw new ReviewError('REVIEW.ALREADY_DECIDED', 'the item has already been decided', {
      state: item.state,
    });
  }
}

/**
 * One reviewer's approval. A four-eyes item needs a second, different reviewer: the first approval
 * moves it to `awaiting-second-approval`, the second to `approved`.
 */
export function approve(
  item: ItemSnapshot,
  reviewerId: string,
  at: Date,
  expectedVersion?: number,
): Transition {
  requireOpen(item);
  checkVersion(item, expectedVersion);
  if (item.approvals.some((a) => a.reviewerId === reviewerId)) {
    throw new ReviewError('REVIEW.SAME_REVIEWER', 'a second approval must come from a different reviewer');
  }
  const approvals = [...item.approvals, { reviewerId, at: at.toISOString() }];
  const needed = item.fourEyes ? 2 : 1;
  return {
    from: item.state,
    to: approvals.length >= needed ? 'approved' : 'awaiting-second-approval',
    approvals,
  };
}

export function reject(item: ItemSnapshot, reason: string, expectedVersion?: number): Transition {
  requireOpen(item);
  checkVersion(item, expectedVersion);
  if (!reason.trim()) throw new ReviewError('REVIEW.REASON_REQUIRED', 'a rejection needs a reason');
  return { from: item.state, to: 'rejected', approvals: [...item.approvals] };
}

/**
 * A redaction changes what was approved, so earlier approvals no longer count: the item goes back to
 * `held` and needs its approvals again.
 */
export function redact(item: ItemSnapshot, expectedVersion?: number): Transition {
  requireOpen(item);
  checkVersion(item, expectedVersion);
  return { from: item.state, to: 'held', approvals: [] };
}

/** Past its deadline an open item expires; it is never released for being late. */
export function expire(item: ItemSnapshot, deadline: Date, now: Date): Transition | null {
  if (!isOpen(item.state) || deadline.getTime() > now.getTime()) return null;
  return { from: item.state, to: 'expired', approvals: [...item.approvals] };
}

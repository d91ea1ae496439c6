/**
 * Reconciliation: every input record read in a time range must end in exactly one recorded outcome.
 * Pure logic over facts gathered from Kafka (which offsets exist) and PostgreSQL / the rejected topic
 * (what became of them), so it can be tested without either.
 */

import type { IngestOutcome } from '../entities/ingest-outcome.entity';
import type { ReviewState } from '../entities/review-item.entity';

/** A half-open range of offsets `[from, to)` of one partition of an input topic. */
export interface OffsetRange {
  topic: string;
  partition: number;
  from: bigint;
  to: bigint;
}

/** What ingestion recorded for one consumed input record (table `ingest_outcomes`). */
export interface IngestFact {
  topic: string;
  partition: number;
  offset: bigint;
  outcome: IngestOutcome;
  reason: string | null;
  alertId: string | null;
}

/** What the later stages recorded for one normalized alert. */
export interface DownstreamFacts {
  /** The review item of the alert, when it was held. */
  review?: ReviewState;
  /** The released event (automatically or after review), with the subscribers it reached. */
  released?: { deliveries: number };
  /** Released, but parked by fan-out until the agreement's embargo ends (or withdrawn while parked). */
  embargoed?: { withdrawn: boolean };
  /** Released, but stopped by fan-out's egress guard before delivery (or withdrawn while stopped). */
  guardHeld?: { withdrawn: boolean };
  /** A rejection by a later stage (alerts.rejected.v1 with the alert id as correlation id). */
  rejectedBy?: { stage: string; reason: string };
  /** Dropped by a sharing policy, with its record. */
  droppedByPolicy?: { reason: string };
}

export type FinalOutcome =
  | 'released'
  | 'held'
  | 'rejected'
  | 'duplicate'
  | 'dropped-by-policy'
  | 'rejected-by-review'
  | 'expired-in-review'
  | 'embargoed'
  | 'withdrawn-under-embargo'
  | 'held-by-egress-guard'
  | 'withdrawn-while-held';

export type ProblemCode =
  /** The input record has no recorded outcome at all. */
  | 'NO_OUTCOME'
  /** Normalized, but no later stage recorded what became of it. */
  | 'NO_DOWNSTREAM_OUTCOME'
  /** Approved in review but no released event recorded. */
  | 'APPROVED_NOT_RELEASED'
  /** More than one final outcome recorded for the same record. */
  | 'CONFLICTING_OUTCOMES';

export interface RecordProblem {
  origin: string;
  code: ProblemCode;
  /** The outcomes found, for CONFLICTING_OUTCOMES; codes only, never record content. */
  found: string[];
  alertId?: string;
}

export interface ReconcileReport {
  inputRecords: number;
  outcomes: Record<FinalOutcome, number>;
  /** Outcome rows outside any input range (records already deleted by retention, or clock skew). */
  outcomesWithoutInput: number;
  problems: RecordProblem[];
  ok: boolean;
}

/** `topic/partition/offset`: how a consumed record is named in ingest_outcomes, seen_alerts and rejections. */
export function originOf(topic: string, partition: number, offset: bigint | string): string {
  return `${topic}/${partition}/${offset.toString()}`;
}

const EMPTY_COUNTS: Record<FinalOutcome, number> = {
  released: 0,
  held: 0,
  rejected: 0,
  duplicate: 0,
  'dropped-by-policy': 0,
  'rejected-by-review': 0,
  'expired-in-review': 0,
  embargoed: 0,
  'withdrawn-under-embargo': 0,
  'held-by-egress-guard': 0,
  'withdrawn-while-held': 0,
};

/**
 * Classifies a normalized alert by what the later stages recorded. A held item that a reviewer approved
 * and that was then released is one outcome (released); anything else found twice is a conflict.
 */
export function downstreamOutcome(facts: DownstreamFacts | undefined): FinalOutcome | RecordProblem['code'] {
  if (!facts) return 'NO_DOWNSTREAM_OUTCOME';
  const found: FinalOutcome[] = [];
  if (facts.released) {
    if (facts.review && facts.review !== 'approved') return 'CONFLICTING_OUTCOMES';
    found.push('released');
  } else if (facts.review === 'approved' && (facts.embargoed || facts.guardHeld)) {
    // Approved, then parked by fan-out (embargo, egress guard): that outcome below.
  } else if (facts.review) {
    if (facts.review === 'approved') return 'APPROVED_NOT_RELEASED';
    found.push(
      facts.review === 'rejected'
        ? 'rejected-by-review'
        : facts.review === 'expired'
          ? 'expired-in-review'
          : 'held',
    );
  }
  if (facts.embargoed) found.push(facts.embargoed.withdrawn ? 'withdrawn-under-embargo' : 'embargoed');
  if (facts.guardHeld)
    found.push(facts.guardHeld.withdrawn ? 'withdrawn-while-held' : 'held-by-egress-guard');
  if (facts.rejectedBy) found.push('rejected');
  if (facts.droppedByPolicy) found.push('dropped-by-policy');
  if (found.length === 0) return 'NO_DOWNSTREAM_OUTCOME';
  if (found.length > 1) return 'CONFLICTING_OUTCOMES';
  return found[0] as FinalOutcome;
}

function describeFacts(facts: DownstreamFacts | undefined): string[] {
  if (!facts) return [];
  const out: string[] = [];
  if (facts.review) out.push(`review:${facts.review}`);
  if (facts.released) out.push(`released:${facts.released.deliveries}-deliveries`);
  if (facts.embargoed) out.push(facts.embargoed.withdrawn ? 'embargo:withdrawn' : 'embargo:waiting');
  if (facts.guardHeld) out.push(facts.guardHeld.withdrawn ? 'guard:withdrawn' : 'guard:held');
  if (facts.rejectedBy) out.push(`rejected:${facts.rejectedBy.stage}:${facts.rejectedBy.reason}`);
  if (facts.droppedByPolicy) out.push(`dropped:${facts.droppedByPolicy.reason}`);
  return out;
}

/**
 * Checks every offset of every range against the recorded outcomes.
 * @param downstream facts per alert id, for records ingestion normalized
 */
export function reconcile(
  ranges: readonly OffsetRange[],
  outcomes: readonly IngestFact[],
  downstream: ReadonlyMap<string, DownstreamFacts>,
): ReconcileReport {
  const byOrigin = new Map<string, IngestFact>();
  for (const o of outcomes) byOrigin.set(originOf(o.topic, o.partition, o.offset), o);

  const counts = { ...EMPTY_COUNTS };
  const problems: RecordProblem[] = [];
  let inputRecords = 0;
  let matched = 0;

  for (const r of ranges) {
    for (let offset = r.from; offset < r.to; offset++) {
      inputRecords++;
      const origin = originOf(r.topic, r.partition, offset);
      const row = byOrigin.get(origin);
      if (!row) {
        problems.push({ origin, code: 'NO_OUTCOME', found: [] });
        continue;
      }
      matched++;
      if (row.outcome === 'duplicate') counts.duplicate++;
      else if (row.outcome === 'rejected') counts.rejected++;
      else {
        const alertId = row.alertId ?? '';
        const facts = downstream.get(alertId);
        const result = downstreamOutcome(facts);
        if (result in counts) counts[result as FinalOutcome]++;
        else {
          problems.push({
            origin,
            code: result as ProblemCode,
            found: describeFacts(facts),
            ...(alertId ? { alertId } : {}),
          });
        }
      }
    }
  }

  return {
    inputRecords,
    outcomes: counts,
    outcomesWithoutInput: byOrigin.size - matched,
    problems,
    ok: problems.length === 0,
  };
}

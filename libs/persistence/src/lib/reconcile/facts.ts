import type { DataSource } from 'typeorm';
import { deterministicId, type AlertRejectedEvent } from '@kyoyu/contracts';
import type { ReviewState } from '../entities/review-item.entity';
import type { DownstreamFacts, IngestFact, OffsetRange } from './rules';

/**
 * The facts reconciliation judges, read from the stages' own records: what ingestion recorded per input offset
 * and what the later stages recorded per alert. Shared by `kyoyu reconcile` and the fault suite's verifier, so
 * both hold the pipeline to the same rules.
 */

/** The database lacks a table the facts come from (services never started, or older than this code). */
export class SchemaMissing extends Error {
  readonly code = 'RECONCILE.SCHEMA_MISSING';
  constructor(readonly tables: string[]) {
    super(`the database lacks ${tables.join(', ')}: run the services once (they migrate) or upgrade them`);
    this.name = 'SchemaMissing';
  }
}

async function requireTables(db: DataSource, tables: string[]): Promise<void> {
  const rows = (await db.query(
    `SELECT t, to_regclass(t) IS NOT NULL AS present FROM unnest($1::text[]) AS t`,
    [tables],
  )) as Array<{ t: string; present: boolean }>;
  const missing = rows.filter((r) => !r.present).map((r) => r.t);
  if (missing.length) {
    throw new SchemaMissing(missing);
  }
}

/** What ingestion recorded for the offsets of the ranges. */
export async function ingestOutcomes(db: DataSource, ranges: readonly OffsetRange[]): Promise<IngestFact[]> {
  await requireTables(db, ['ingest_outcomes']);
  if (ranges.length === 0) return [];
  // All ranges in one statement (one per partition and input topic would be a round trip each).
  const rows = (await db.query(
    `SELECT o.topic, o.partition, o."offset"::text AS "offset", o.outcome, o.reason, o.alert_id
       FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[]) AS r(topic, partition, lo, hi)
       JOIN ingest_outcomes o
         ON o.topic = r.topic AND o.partition = r.partition AND o."offset" >= r.lo AND o."offset" < r.hi`,
    [
      ranges.map((r) => r.topic),
      ranges.map((r) => r.partition),
      ranges.map((r) => r.from.toString()),
      ranges.map((r) => r.to.toString()),
    ],
  )) as Array<{
    topic: string;
    partition: number;
    offset: string;
    outcome: IngestFact['outcome'];
    reason: string | null;
    alert_id: string | null;
  }>;
  return rows.map((row) => ({
    topic: row.topic,
    partition: Number(row.partition),
    offset: BigInt(row.offset),
    outcome: row.outcome,
    reason: row.reason,
    alertId: row.alert_id,
  }));
}

/**
 * What the later stages recorded for each normalized alert: its review item, its released event
 * (event id = deterministicId('event', alertId)) with deliveries, a release fan-out parked (embargo, egress
 * guard), or a rejection by a later stage.
 */
export async function downstreamFacts(
  db: DataSource,
  alertIds: readonly string[],
  rejections: ReadonlyArray<{ event: AlertRejectedEvent }>,
): Promise<Map<string, DownstreamFacts>> {
  await requireTables(db, [
    'review_items',
    'released_events',
    'deliveries',
    'embargoed_releases',
    'guard_held_releases',
  ]);
  const facts = new Map<string, DownstreamFacts>();
  const of = (alertId: string) => {
    let f = facts.get(alertId);
    if (!f) facts.set(alertId, (f = {}));
    return f;
  };
  const wanted = new Set(alertIds);
  const eventToAlert = new Map(alertIds.map((a) => [deterministicId('event', a), a]));
  const eventIds = [...eventToAlert.keys()];

  const reviews = (await db.query(`SELECT alert_id, state FROM review_items WHERE alert_id = ANY($1)`, [
    alertIds,
  ])) as Array<{ alert_id: string; state: ReviewState }>;
  for (const r of reviews) of(r.alert_id).review = r.state;

  const released = (await db.query(
    `SELECT e.event_id, count(DISTINCT d.subscriber_id) FILTER (WHERE d.delivered_at IS NOT NULL)::int AS deliveries
       FROM released_events e LEFT JOIN deliveries d ON d.event_id = e.event_id
      WHERE e.event_id = ANY($1) GROUP BY e.event_id`,
    [eventIds],
  )) as Array<{ event_id: string; deliveries: number }>;
  for (const r of released) {
    const alertId = eventToAlert.get(r.event_id);
    if (alertId) of(alertId).released = { deliveries: Number(r.deliveries) };
  }

  const parked = (await db.query(
    `SELECT event_id, withdrawn_at IS NOT NULL AS withdrawn FROM embargoed_releases WHERE event_id = ANY($1)`,
    [eventIds],
  )) as Array<{ event_id: string; withdrawn: boolean }>;
  for (const r of parked) {
    const alertId = eventToAlert.get(r.event_id);
    if (alertId) of(alertId).embargoed = { withdrawn: r.withdrawn };
  }

  // A hold the operator released is in released_events now: that is its outcome.
  const guarded = (await db.query(
    `SELECT event_id, resolution = 'withdrawn' AS withdrawn FROM guard_held_releases
      WHERE event_id = ANY($1) AND resolution IS DISTINCT FROM 'released'`,
    [eventIds],
  )) as Array<{ event_id: string; withdrawn: boolean }>;
  for (const r of guarded) {
    const alertId = eventToAlert.get(r.event_id);
    if (alertId) of(alertId).guardHeld = { withdrawn: r.withdrawn };
  }

  for (const r of rejections) {
    const d = r.event.data;
    if (d.stage === 'ingestion' || !wanted.has(r.event.correlationId)) continue;
    of(r.event.correlationId).rejectedBy = { stage: d.stage, reason: d.reason };
  }
  return facts;
}

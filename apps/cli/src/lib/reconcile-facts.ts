import type { Admin, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { Topics, deterministicId, principalOfRawTopic } from '@kyoyu/contracts';
import { CliError, ExitCode } from './errors';
import type { DownstreamFacts, IngestOutcome, OffsetRange, ReviewState } from './reconcile';
import type { Progress } from './progress';
import type { StoredRejection } from './rejections';
import { scanTopic } from './topic-scan';

/** The input topics: the development raw topic, the operator's replay topic, every principal's raw topic. */
export async function inputTopics(admin: Admin): Promise<string[]> {
  const all = await admin.listTopics();
  const fixed = [Topics.AlertsRaw, Topics.AlertsReplay].filter((t) => all.includes(t));
  return [...fixed, ...all.filter((t) => principalOfRawTopic(t) !== undefined).sort()];
}

/**
 * The offsets written to each partition of `topic` with a timestamp in `[fromMs, toMs)`. Asks the broker
 * (ListOffsets by timestamp); a broker that cannot answer that (it returns the end for every time, as
 * librdkafka's mock cluster does) is detected and the partition's timestamps are read instead.
 */
export async function offsetRanges(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  fromMs: number,
  toMs: number,
  progress?: Progress,
): Promise<OffsetRange[]> {
  const [watermarks, earliest, start, end] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchTopicOffsetsByTimestamp(topic, 0),
    admin.fetchTopicOffsetsByTimestamp(topic, fromMs),
    admin.fetchTopicOffsetsByTimestamp(topic, toMs),
  ]);
  const earliestOf = new Map(earliest.map((p) => [p.partition, p.offset]));
  const lookupWorks = watermarks.every((w) => w.low === w.high || earliestOf.get(w.partition) === w.low);
  if (!lookupWorks) return scanRanges(kafka, admin, topic, fromMs, toMs, progress);
  const endOf = new Map(end.map((p) => [p.partition, BigInt(p.offset)]));
  return start
    .map((p) => ({ topic, partition: p.partition, from: BigInt(p.offset), to: endOf.get(p.partition) ?? 0n }))
    .filter((r) => r.to > r.from)
    .sort((a, b) => a.partition - b.partition);
}

/** Ranges from the records' own timestamps (reads the topic; nothing of a record is kept but its offset). */
async function scanRanges(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  fromMs: number,
  toMs: number,
  progress?: Progress,
): Promise<OffsetRange[]> {
  const bounds = new Map<number, { from: bigint; to: bigint }>();
  await scanTopic(
    kafka,
    admin,
    topic,
    (r) => {
      if (r.timestamp < fromMs || r.timestamp >= toMs) return;
      const offset = BigInt(r.offset);
      const b = bounds.get(r.partition);
      if (!b) bounds.set(r.partition, { from: offset, to: offset + 1n });
      else {
        if (offset < b.from) b.from = offset;
        if (offset + 1n > b.to) b.to = offset + 1n;
      }
    },
    progress,
  );
  return [...bounds]
    .map(([partition, b]) => ({ topic, partition, ...b }))
    .sort((a, b) => a.partition - b.partition);
}

async function requireTables(db: DataSource, tables: string[]): Promise<void> {
  const rows = (await db.query(
    `SELECT t, to_regclass(t) IS NOT NULL AS present FROM unnest($1::text[]) AS t`,
    [tables],
  )) as Array<{ t: string; present: boolean }>;
  const missing = rows.filter((r) => !r.present).map((r) => r.t);
  if (missing.length) {
    throw new CliError(
      'RECONCILE.SCHEMA_MISSING',
      `the database lacks ${missing.join(', ')}: run the services once (they migrate) or upgrade them`,
      ExitCode.Unavailable,
    );
  }
}

/** What ingestion recorded for the offsets of the ranges. */
export async function ingestOutcomes(
  db: DataSource,
  ranges: readonly OffsetRange[],
): Promise<IngestOutcome[]> {
  await requireTables(db, ['ingest_outcomes']);
  const out: IngestOutcome[] = [];
  for (const r of ranges) {
    const rows = (await db.query(
      `SELECT topic, partition, "offset"::text AS "offset", outcome, reason, alert_id
         FROM ingest_outcomes WHERE topic = $1 AND partition = $2 AND "offset" >= $3 AND "offset" < $4`,
      [r.topic, r.partition, r.from.toString(), r.to.toString()],
    )) as Array<{
      topic: string;
      partition: number;
      offset: string;
      outcome: IngestOutcome['outcome'];
      reason: string | null;
      alert_id: string | null;
    }>;
    for (const row of rows) {
      out.push({
        topic: row.topic,
        partition: Number(row.partition),
        offset: BigInt(row.offset),
        outcome: row.outcome,
        reason: row.reason,
        alertId: row.alert_id,
      });
    }
  }
  return out;
}

/**
 * What the later stages recorded for each normalized alert: its review item, its released event
 * (event id = deterministicId('event', alertId)) with deliveries, a release fan-out parked (embargo, egress
 * guard), or a rejection by a later stage.
 */
export async function downstreamFacts(
  db: DataSource,
  alertIds: readonly string[],
  rejections: readonly StoredRejection[],
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

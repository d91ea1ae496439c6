import { Topics, deterministicId, type AlertRejectedEvent } from '@kyoyu/contracts';
import {
  downstreamFacts,
  downstreamOutcome,
  ingestOutcomes,
  originOf,
  reconcile,
  type OffsetRange,
  type ReconcileReport,
} from '@kyoyu/persistence';
import { leakedIdentifiers, victimIdentifiers, type ReadMessage, type WorkloadRecord } from '@kyoyu/testing';
import { SHARE_TOPICS, runCliReconcile, type CliReconcile, type FaultStack } from './fault-stack';

/** Where one record stands: its raw offsets, ingestion's outcome, and what became of its alert. */
export interface Settlement {
  /** Records the raw topic does not hold (lost before ingestion). */
  notInRaw: WorkloadRecord[];
  /** Raw offsets with no ingest_outcomes row. */
  noIngestOutcome: string[];
  /** Normalized alerts with no review item, released event or later rejection. */
  noDownstream: string[];
  /** Kafka deliveries not yet acknowledged by the broker. */
  pendingDeliveries: number;
  /** Acknowledged deliveries the subscriber topics do not show (yet). */
  unseenDeliveries: number;
  eventIds: Set<string>;
  rawOrigins: Map<string, string[]>;
}

const BAD_MARKER = /kyoyu-mark-\d+-\d+/;
const ALERT_MARKER = /45\.\d{1,3}\.\d{1,3}\.\d{1,3}/;

const UNSETTLED: ReadonlySet<string> = new Set(['NO_DOWNSTREAM_OUTCOME', 'APPROVED_NOT_RELEASED']);

/** The rejections read so far from alerts.rejected.v1, as reconcile's facts take them. */
function rejections(stack: FaultStack): Array<{ event: AlertRejectedEvent }> {
  return stack.reader.messages
    .filter((m) => m.topic === Topics.AlertsRejected)
    .map((m) => ({ event: JSON.parse(m.value) as AlertRejectedEvent }));
}

/** What the pipeline has recorded so far for `records`. */
export async function settlement(stack: FaultStack, records: readonly WorkloadRecord[]): Promise<Settlement> {
  const wanted = new Set(records.map((r) => r.marker));
  const rawOrigins = new Map<string, string[]>();
  for (const m of stack.reader.messages) {
    if (m.topic !== Topics.AlertsRaw) continue;
    const marker = (BAD_MARKER.exec(m.value) ?? ALERT_MARKER.exec(m.value))?.[0];
    if (!marker || !wanted.has(marker)) continue;
    rawOrigins.set(marker, [...(rawOrigins.get(marker) ?? []), originOf(m.topic, m.partition, m.offset)]);
  }
  const notInRaw = records.filter((r) => !rawOrigins.has(r.marker));
  const origins = [...rawOrigins.values()].flat();
  const rows = (await stack.db.query(
    `SELECT origin, outcome, alert_id FROM ingest_outcomes WHERE origin = ANY($1)`,
    [origins],
  )) as Array<{ origin: string; outcome: string; alert_id: string | null }>;
  const recorded = new Set(rows.map((r) => r.origin));
  const noIngestOutcome = origins.filter((o) => !recorded.has(o));
  const alertIds = [
    ...new Set(rows.flatMap((r) => (r.outcome === 'normalized' && r.alert_id ? [r.alert_id] : []))),
  ];
  const eventIds = new Set(alertIds.map((a) => deterministicId('event', a)));
  // Settled once every alert has its outcome by reconcile's own rules; a conflict is settled too (the verdict
  // reports it), an approval whose release is still on its way is not.
  const facts = await downstreamFacts(stack.db, alertIds, rejections(stack));
  const noDownstream = alertIds.filter((a) => UNSETTLED.has(downstreamOutcome(facts.get(a))));
  const deliveries = (await stack.db.query(
    `SELECT event_id, subscriber_id, delivered_at IS NOT NULL AS done FROM deliveries
      WHERE event_id = ANY($1) AND channel = 'kafka'`,
    [[...eventIds]],
  )) as Array<{ event_id: string; subscriber_id: string; done: boolean }>;
  const seen = new Set(
    stack.reader.messages.filter((m) => m.topic.startsWith('share.')).map((m) => `${m.topic}|${m.key ?? ''}`),
  );
  return {
    notInRaw,
    noIngestOutcome,
    noDownstream,
    pendingDeliveries: deliveries.filter((d) => !d.done).length,
    unseenDeliveries: deliveries.filter(
      (d) => d.done && !seen.has(`share.${d.subscriber_id}.v1|${d.event_id}`),
    ).length,
    eventIds,
    rawOrigins,
  };
}

function settled(s: Settlement): boolean {
  return (
    s.notInRaw.length === 0 &&
    s.noIngestOutcome.length === 0 &&
    s.noDownstream.length === 0 &&
    s.pendingDeliveries === 0 &&
    s.unseenDeliveries === 0
  );
}

function describe(s: Settlement): string {
  return (
    `not in raw topic ${s.notInRaw.length}, raw offsets without outcome ${s.noIngestOutcome.length}, ` +
    `alerts without downstream outcome ${s.noDownstream.length}, pending deliveries ${s.pendingDeliveries}, ` +
    `acknowledged deliveries not seen on subscriber topics ${s.unseenDeliveries}`
  );
}

/** Polls until every record has its full outcome (recovery is judged by outcome, never by a sleep). */
export async function waitUntilSettled(
  stack: FaultStack,
  records: readonly WorkloadRecord[],
  timeoutMs = 180_000,
): Promise<Settlement> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer from PostgreSQL';
  for (;;) {
    // PostgreSQL may be restarting (a fault of its own): a failed look is just another look.
    const s = await settlement(stack, records).catch((e: unknown) => {
      last = `settlement query failed: ${e instanceof Error ? e.message : String(e)}`;
      return undefined;
    });
    if (s && settled(s)) return s;
    if (s) last = describe(s);
    if (Date.now() > deadline) throw new Error(`not recovered after ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** High watermarks of the raw topic's partitions: the stream of a scenario is the offsets between two. */
export async function rawWatermarks(stack: FaultStack): Promise<Map<number, bigint>> {
  const admin = stack.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(Topics.AlertsRaw);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * `kyoyu reconcile`'s rules and facts (libs/persistence) over an exact offset range of the raw topic: every
 * offset has one ingestion outcome, every normalized alert exactly one downstream outcome. The CLI selects
 * offsets by timestamp; the suite knows the exact offsets its stream wrote, so it asks about those.
 */
export async function reconcileOffsets(
  stack: FaultStack,
  from: Map<number, bigint>,
  to: Map<number, bigint>,
): Promise<ReconcileReport> {
  const ranges: OffsetRange[] = [...to]
    .map(([partition, end]) => ({
      topic: Topics.AlertsRaw,
      partition,
      from: from.get(partition) ?? 0n,
      to: end,
    }))
    .filter((r) => r.to > r.from);
  const outcomes = await ingestOutcomes(stack.db, ranges);
  const alertIds = outcomes.flatMap((o) => (o.outcome === 'normalized' && o.alertId ? [o.alertId] : []));
  return reconcile(ranges, outcomes, await downstreamFacts(stack.db, alertIds, rejections(stack)));
}

export interface Verdict {
  reconcile: CliReconcile;
  offsets: ReconcileReport;
  /** (subscriber topic, event id) pairs that arrived with two different payloads. */
  conflictingPayloads: string[];
  /** Identical re-deliveries (at-least-once), removed by deduplication on event id. */
  redeliveries: number;
  /** Distinct (subscriber, event) deliveries after deduplication. */
  deliveries: number;
  leaks: string[];
  /** Bad records whose ingestion rejection is missing or carries another reason. */
  wrongRejections: string[];
}

/**
 * The three promises after recovery: every input record has exactly one outcome (`kyoyu reconcile`), no
 * subscriber got two payloads for one event id, and nothing delivered names a victim.
 */
export async function verify(
  stack: FaultStack,
  records: readonly WorkloadRecord[],
  s: Settlement,
  fromMs: number,
  rawBefore: Map<number, bigint>,
): Promise<Verdict> {
  const reconcile = await runCliReconcile(stack.env, fromMs, Date.now());
  const offsets = await reconcileOffsets(stack, rawBefore, await rawWatermarks(stack));
  const ours = stack.reader.messages.filter(
    (m): m is ReadMessage & { key: string } =>
      SHARE_TOPICS.includes(m.topic) && m.key !== null && s.eventIds.has(m.key),
  );
  const payloads = new Map<string, Set<string>>();
  for (const m of ours) {
    const k = `${m.topic}|${m.key}`;
    payloads.set(k, (payloads.get(k) ?? new Set()).add(m.value));
  }
  const conflictingPayloads = [...payloads].filter(([, v]) => v.size > 1).map(([k]) => k);
  const ids = victimIdentifiers();
  const leaks = new Set<string>();
  for (const m of stack.reader.messages) {
    if (m.topic.startsWith('share.') && m.timestamp >= fromMs - 1000) {
      for (const l of leakedIdentifiers(m.value, ids)) leaks.add(`${m.topic}: ${l}`);
    }
  }
  const rejectionByOrigin = new Map<string, string>();
  for (const { event: e } of rejections(stack))
    if (e.data.stage === 'ingestion')
      rejectionByOrigin.set(
        originOf(e.data.origin.topic, e.data.origin.partition, e.data.origin.offset),
        e.data.reason,
      );
  const wrongRejections: string[] = [];
  for (const r of records) {
    if (r.kind !== 'bad') continue;
    for (const o of s.rawOrigins.get(r.marker) ?? []) {
      const reason = rejectionByOrigin.get(o);
      if (reason !== r.expectReason)
        wrongRejections.push(`${r.marker}: want ${r.expectReason}, got ${reason}`);
    }
  }
  return {
    reconcile,
    offsets,
    conflictingPayloads,
    redeliveries: ours.length - payloads.size,
    deliveries: payloads.size,
    leaks: [...leaks],
    wrongRejections,
  };
}

/** One line for the test log: the figures a scenario produced. */
export function summary(name: string, v: Verdict, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    scenario: name,
    inputRecords: v.offsets.inputRecords,
    outcomes: v.offsets.outcomes,
    problems: v.offsets.problems.length,
    cliReconcile: { inputRecords: v.reconcile.report.inputRecords, ok: v.reconcile.report.ok },
    deliveries: v.deliveries,
    redeliveries: v.redeliveries,
    ...extra,
  });
}

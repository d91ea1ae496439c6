import type { Kafka, Producer } from 'kafkajs';
import { Topics } from '@kyoyu/contracts';
import { latencySummary } from '../lib/measure';
import type { AlertPool } from './alert-pool';
import type { DeliveryTracker } from './delivery-tracker';
import { offer, type NextRecord } from './offer';
import { round, type MachineFigures, type ProcMonitor } from './proc-stats';
import { stageOutputs, watermarks } from './stages-figures';

export interface LoadContext {
  kafka: Kafka;
  producer: Producer;
  tracker: DeliveryTracker;
  pool: AlertPool;
  shareTopics: string[];
  monitor: ProcMonitor;
  /** Records numbered so far in the run (markers are unique across phases). */
  g: number;
}

export interface LoadFigures {
  label: string;
  offeredRate: number;
  sent: number;
  /** The send rate actually achieved (the driver may fall behind flat out). */
  offeredPerSecond: number;
  /**
   * Alerts whose first bundle reached a subscriber topic, per second from the first such bundle of the
   * phase to the last (the steady rate; the fill and drain of the pipeline are not in it).
   */
  achievedPerSecond: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
  /** Records per second each stage wrote (from topic offsets). */
  stagePerSecond: Record<string, number>;
  /** Sent alerts without any bundle when the phase drained. */
  undelivered: number;
  /** Of those, sent for review by de-identification and rejected (from topic offsets). */
  heldForReview: number;
  rejected: number;
  seconds: number;
  processes: Record<string, { cpuCores: number; cpuSeconds: number; rssMbPeak: number }>;
  /** Every process on the machine over the same window, in cores: busy, and stolen by the host. */
  machine: MachineFigures;
}

/** Good alerts from the pool, each registered with the tracker at its send time. */
export function goodRecords(ctx: LoadContext): NextRecord {
  return () => {
    const { marker, message } = ctx.pool.message(ctx.g++);
    return { message, onSent: (at) => ctx.tracker.expect(marker, at) };
  };
}

/** Waits until every sent alert has a bundle, or nothing new arrived for `quietMs`. */
export async function drain(tracker: DeliveryTracker, quietMs = 8000, maxMs = 300_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let since = Date.now();
  while (tracker.outstanding > 0 && Date.now() < deadline && Date.now() - since < quietMs) {
    if (tracker.firstDeliveries !== last) {
      last = tracker.firstDeliveries;
      since = Date.now();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One offered load: send for `seconds`, drain, and read every figure of the window. */
export async function runLoad(
  ctx: LoadContext,
  o: { label: string; rate: number; seconds: number; count?: number; next?: NextRecord },
): Promise<LoadFigures> {
  const outputs = stageOutputs(ctx.shareTopics);
  const topics = [...new Set(Object.values(outputs).flat())];
  const before = await watermarks(ctx.kafka, topics);
  ctx.tracker.resetWindow();
  const begunAt = Date.now();
  ctx.monitor.begin();
  const { sent, seconds } = await offer(ctx.producer, Topics.AlertsRaw, o.next ?? goodRecords(ctx), {
    rate: o.rate,
    seconds: o.seconds,
    ...(o.count ? { count: o.count } : {}),
  });
  await drain(ctx.tracker);
  const { firstDeliveryAt, lastDeliveryAt } = ctx.tracker;
  // CPU up to the last delivery (or the end of sending), not through the drain's closing quiet wait, which
  // alerts held for review (never delivered) always run into.
  const { processes, machine } = ctx.monitor.end(Math.max(begunAt + seconds * 1000, lastDeliveryAt));
  const after = await watermarks(ctx.kafka, topics);
  const window = Math.max(1, (lastDeliveryAt - firstDeliveryAt) / 1000);
  const delta = (ts: string[]) => ts.reduce((n, t) => n + (after.get(t) ?? 0) - (before.get(t) ?? 0), 0);
  const stagePerSecond: Record<string, number> = {};
  for (const [stage, ts] of Object.entries(outputs)) {
    stagePerSecond[stage] = Math.round(delta(ts) / (stage.startsWith('raw') ? seconds : window));
  }
  const latencies = ctx.tracker.latencies;
  return {
    label: o.label,
    offeredRate: o.rate,
    sent,
    offeredPerSecond: Math.round(sent / seconds),
    achievedPerSecond: Math.round(ctx.tracker.firstDeliveries / window),
    latencyMs: latencySummary(latencies),
    stagePerSecond,
    undelivered: ctx.tracker.forgetOutstanding(),
    heldForReview: delta([Topics.ReviewRequested]),
    rejected: delta([Topics.AlertsRejected]),
    seconds: round(window),
    processes,
    machine,
  };
}

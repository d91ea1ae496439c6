import { randomBytes } from 'node:crypto';
import { Topics, type AlertRejectedEvent } from '@kyoyu/contracts';
import { hostileRecords, type WorkloadRecord } from '@kyoyu/testing';
import { Headers } from '@kyoyu/contracts';
import { goodRecords, runLoad, type LoadContext } from './phase';
import { findProcesses, round } from './proc-stats';
import type { NextRecord } from './offer';

export interface HostileFigures {
  rate: number;
  seconds: number;
  hostileRecords: number;
  expectedRejections: number;
  goodAlone: { achievedPerSecond: number; p99Ms: number };
  goodWithHostile: { achievedPerSecond: number; p99Ms: number };
  goodThroughputDropPct: number;
  rejectionsByReason: Record<string, { expected: number; got: number }>;
  allRejectedWithReason: boolean;
  noRestarts: boolean;
}

/** Bad records for the run: oversized ones rarer than the rest (1 in ~120), so the broker keeps up. */
function badMix(count: number): WorkloadRecord[] {
  const all = hostileRecords({
    count: count * 2,
    run: 250,
    sourceOrg: 'cust-northwind',
    hostileValidEvery: 10,
  });
  return all.filter((r, i) => r.expectReason !== 'TOO_LARGE' || i % 120 === 3).slice(0, count);
}

/**
 * Good alerts alone at `rate`, then the same good rate with `hostile` bad records spread over the phase:
 * the good alerts' throughput must drop by less than 10 %, every bad record be rejected with its reason,
 * and no stage process restart.
 */
export async function runHostile(
  ctx: LoadContext,
  o: { rate: number; seconds: number; hostile: number; stagePids: Map<string, number[]> },
): Promise<HostileFigures> {
  const alone = await runLoad(ctx, { label: 'good alone', rate: o.rate, seconds: o.seconds });
  const bad = badMix(o.hostile);
  const got: Record<string, number> = {};
  // Counted from the offsets the rejection topic has now, not from "latest" at join: kafkajs looks "latest"
  // up only when it first fetches a partition, and rejections written before that would go uncounted.
  const admin = ctx.kafka.admin();
  await admin.connect();
  const startAt = new Map(
    (await admin.fetchTopicOffsets(Topics.AlertsRejected)).map((p) => [p.partition, BigInt(p.offset)]),
  );
  await admin.disconnect();
  const consumer = ctx.kafka.consumer({
    groupId: `bench-rejections-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [Topics.AlertsRejected], fromBeginning: true });
  let joined!: () => void;
  const join = new Promise<void>((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (BigInt(message.offset) < (startAt.get(partition) ?? 0n)) return;
      const e = JSON.parse(message.value?.toString('utf8') ?? '{}') as AlertRejectedEvent;
      if (e.data?.stage === 'ingestion') got[e.data.reason] = (got[e.data.reason] ?? 0) + 1;
    },
  });
  await join;

  const good = goodRecords(ctx);
  const goodTotal = o.rate * o.seconds;
  let b = 0;
  let n = 0;
  const mixed: NextRecord = () => {
    n++;
    // Spread the bad records evenly through the good ones.
    const r = bad[b];
    if (r && b * (goodTotal + bad.length) <= n * bad.length) {
      b++;
      return { message: { key: r.key, value: r.value, headers: { [Headers.SourceOrg]: r.sourceOrg } } };
    }
    return good();
  };
  const withBad = await runLoad(ctx, {
    label: 'good + hostile',
    rate: o.rate + bad.length / o.seconds,
    seconds: o.seconds,
    next: mixed,
  });
  // Only what was sent is expected: the offered phase ends on time, and may end a few records short.
  const expected: Record<string, number> = {};
  for (const r of bad.slice(0, b))
    if (r.expectReason) expected[r.expectReason] = (expected[r.expectReason] ?? 0) + 1;
  const expectedTotal = Object.values(expected).reduce((a, c) => a + c, 0);
  const total = () => Object.values(got).reduce((a, c) => a + c, 0);
  for (const deadline = Date.now() + 120_000; total() < expectedTotal && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await consumer.disconnect();

  const byReason: HostileFigures['rejectionsByReason'] = {};
  for (const reason of new Set([...Object.keys(expected), ...Object.keys(got)])) {
    byReason[reason] = { expected: expected[reason] ?? 0, got: got[reason] ?? 0 };
  }
  const now = findProcesses();
  const noRestarts = [...o.stagePids].every(([name, pids]) =>
    pids.every((p) => (now.get(name) ?? []).includes(p)),
  );
  return {
    rate: o.rate,
    seconds: o.seconds,
    hostileRecords: b,
    expectedRejections: expectedTotal,
    goodAlone: { achievedPerSecond: alone.achievedPerSecond, p99Ms: alone.latencyMs.p99 },
    goodWithHostile: { achievedPerSecond: withBad.achievedPerSecond, p99Ms: withBad.latencyMs.p99 },
    goodThroughputDropPct: round(
      ((alone.achievedPerSecond - withBad.achievedPerSecond) / alone.achievedPerSecond) * 100,
      1,
    ),
    rejectionsByReason: byReason,
    allRejectedWithReason: Object.values(byReason).every((r) => r.expected === r.got),
    noRestarts,
  };
}

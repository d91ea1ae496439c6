import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Broker } from '@kyoyu/testing';
import type { Kafka } from 'kafkajs';
import { latencySummary } from '../lib/measure';
import { AlertPool } from './alert-pool';
import { offer } from './offer';

export interface HopSizes {
  /** Average bytes of a normalized alert, a released event and a bundle. */
  normalized: number;
  released: number;
  bundle: number;
  /** Bundles per alert (subscribers reached on average). */
  fanout: number;
}

export interface CeilingFigures {
  hops: number;
  sizes: HopSizes;
  alerts: number;
  alertsPerSecond: number;
  messagesOutPerSecond: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
}

/**
 * The transport ceiling: the same hops as the pipeline (driver → 3 pass-through processes → subscriber
 * topics), the same partition counts and message sizes, and no work in between. What the pipeline
 * achieves divided by this is the share of the broker path its stages leave unused.
 */
export async function transportCeiling(
  kafka: Kafka,
  broker: Broker,
  pool: AlertPool,
  sizes: HopSizes,
  alerts: number,
): Promise<CeilingFigures> {
  const run = Date.now().toString(36);
  const fan = Math.max(1, Math.round(sizes.fanout));
  const t = (n: string) => `bench.${run}.${n}`;
  const outs = Array.from({ length: fan }, (_, i) => t(`out${i}`));
  for (const [name, parts] of [
    [t('hop0'), 8],
    [t('hop1'), 8],
    [t('hop2'), 8],
    ...outs.map((o) => [o, 4] as const),
  ] as Array<[string, number]>) {
    await broker.control(`create-topic ${name} ${parts}`);
  }
  const relay = path.join(__dirname, 'relay.js');
  const boot = broker.bootstrap.join(',');
  const relays: ChildProcess[] = [
    fork(relay, [boot, `${run}-r1`, t('hop0'), String(sizes.normalized), t('hop1')], { stdio: 'ignore' }),
    fork(relay, [boot, `${run}-r2`, t('hop1'), String(sizes.released), t('hop2')], { stdio: 'ignore' }),
    fork(relay, [boot, `${run}-r3`, t('hop2'), String(sizes.bundle), ...outs], { stdio: 'ignore' }),
  ];
  try {
    const consumer = kafka.consumer({ groupId: `${run}-sink`, maxWaitTimeInMs: 50 });
    const latencies: number[] = [];
    let received = 0;
    let lastAt = 0;
    let warm = 0;
    await consumer.connect();
    await consumer.subscribe({ topics: outs, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const head = m.value?.subarray(0, 32).toString('utf8') ?? '';
          if (head.startsWith('warm')) {
            warm++;
            continue;
          }
          received++;
          lastAt = Date.now();
          latencies.push(lastAt - Number(head.trim()));
        }
      },
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    // Warm-up: every relay has joined its group and passes records before the clock starts.
    for (let deadline = Date.now() + 60_000; warm < fan * 8 && Date.now() < deadline;) {
      await producer.send({
        topic: t('hop0'),
        messages: Array.from({ length: 8 }, (_, i) => ({ key: String(i), value: 'warm'.padEnd(64) })),
      });
      await new Promise((r) => setTimeout(r, 500));
    }
    let g = 0;
    const t0 = Date.now();
    await offer(
      producer,
      t('hop0'),
      () => {
        const { message } = pool.message(g++);
        const value = String(message.value);
        return { message: { key: message.key, value: String(Date.now()).padEnd(32) + value.slice(32) } };
      },
      { rate: Infinity, count: alerts },
    );
    for (let last = -1, stable = Date.now(); received < alerts * fan && Date.now() - stable < 10_000;) {
      if (received !== last) {
        last = received;
        stable = Date.now();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (lastAt - t0) / 1000;
    await producer.disconnect();
    await consumer.disconnect();
    return {
      hops: 3,
      sizes,
      alerts,
      alertsPerSecond: Math.round(received / fan / seconds),
      messagesOutPerSecond: Math.round(received / seconds),
      latencyMs: latencySummary(latencies),
    };
  } finally {
    for (const r of relays) r.kill('SIGTERM');
  }
}

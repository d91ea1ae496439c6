import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { MARKER_PATTERN } from './alert-pool';

/**
 * Reads the subscriber topics and matches each bundle to the alert it came from by the marker (the
 * attacker address); subscribers get no pipeline headers, so nothing else links the two. Latency is
 * alert produced → first bundle on a subscriber topic (the bundle's CreateTime, set by fan-out).
 */
export class DeliveryTracker {
  private readonly sentAt = new Map<string, number>();
  private readonly consumer: Consumer;
  latencies: number[] = [];
  firstDeliveries = 0;
  bundles = 0;
  bundleBytes = 0;
  lastDeliveryAt = 0;
  firstDeliveryAt = 0;

  constructor(
    kafka: Kafka,
    private readonly topics: string[],
  ) {
    this.consumer = kafka.consumer({
      groupId: `bench-subscribers-${randomBytes(4).toString('hex')}`,
      maxWaitTimeInMs: 50,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: false });
    let joined!: () => void;
    const join = new Promise<void>((r) => (joined = r));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => joined());
    await this.consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          this.bundles++;
          const value = m.value?.toString('utf8') ?? '';
          this.bundleBytes += value.length;
          const marker = MARKER_PATTERN.exec(value)?.[0];
          if (!marker) continue;
          const t = this.sentAt.get(marker);
          if (t === undefined) continue;
          this.sentAt.delete(marker);
          this.firstDeliveries++;
          const created = Number(m.timestamp);
          this.latencies.push(created - t);
          if (created > this.lastDeliveryAt) this.lastDeliveryAt = created;
          if (this.firstDeliveryAt === 0 || created < this.firstDeliveryAt) this.firstDeliveryAt = created;
        }
      },
    });
    await join;
  }

  expect(marker: string, at: number): void {
    this.sentAt.set(marker, at);
  }

  /** Alerts sent and not yet seen in any bundle. */
  get outstanding(): number {
    return this.sentAt.size;
  }

  /** Starts a new measurement window (earlier alerts still count as delivered when they arrive). */
  resetWindow(): void {
    this.latencies = [];
    this.firstDeliveries = 0;
    this.lastDeliveryAt = 0;
    this.firstDeliveryAt = 0;
  }

  forgetOutstanding(): number {
    const n = this.sentAt.size;
    this.sentAt.clear();
    return n;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

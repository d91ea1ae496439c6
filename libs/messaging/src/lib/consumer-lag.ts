import type { Admin, Kafka } from 'kafkajs';
import { metrics, type ObservableResult } from '@opentelemetry/api';
import type { Logger } from 'pino';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** High watermark minus the group's committed offset (all of the partition when nothing is committed). */
  lag: number;
}

/**
 * Consumer lag per partition of a group, fetched periodically with the admin API (committed offsets vs.
 * high watermarks) and served as the `kyoyu_consumer_lag` gauge. Labels: stage, topic, partition.
 */
export class ConsumerLagMonitor {
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private latest: PartitionLag[] = [];
  private readonly observe = (r: ObservableResult) => {
    for (const l of this.latest) {
      r.observe(l.lag, { stage: this.stage, topic: l.topic, partition: String(l.partition) });
    }
  };

  constructor(
    private readonly kafka: Kafka,
    private readonly stage: string,
    private readonly groupId: string,
    private readonly topics: readonly string[],
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  /** The lag seen by the last fetch. */
  get current(): readonly PartitionLag[] {
    return this.latest;
  }

  start(): void {
    metrics
      .getMeter('kyoyu.stage')
      .createObservableGauge('kyoyu_consumer_lag', {
        description: 'Records not yet processed by the stage, per partition',
      })
      .addCallback(this.observe);
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      if (!this.admin) {
        const admin = this.kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      const admin = this.admin;
      const committed = await admin.fetchOffsets({ groupId: this.groupId, topics: [...this.topics] });
      const out: PartitionLag[] = [];
      for (const t of committed) {
        const high = new Map(
          (await admin.fetchTopicOffsets(t.topic)).map((p) => [
            p.partition,
            { high: BigInt(p.high), low: BigInt(p.low) },
          ]),
        );
        for (const p of t.partitions) {
          const w = high.get(p.partition);
          if (!w) continue;
          const at = BigInt(p.offset) >= 0n ? BigInt(p.offset) : w.low;
          out.push({ topic: t.topic, partition: p.partition, lag: Number(w.high > at ? w.high - at : 0n) });
        }
      }
      this.latest = out;
    } catch (e) {
      // Lag is advisory: a failed fetch keeps the last values and never disturbs consumption.
      this.logger.debug({ stage: this.stage, error: (e as Error).name }, 'consumer lag fetch failed');
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}

import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { KafkaPublisher, errorName } from '@kyoyu/messaging';
import { CoalescingRunner, LOGGER, SERVICE_CONFIG, drainBatches } from '@kyoyu/service-kit';
import type { ReviewConfig } from './config';

/** Outbox rows published per transaction. */
const OUTBOX_BATCH = 500;

interface OutboxRow {
  id: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: string;
  headers: Record<string, string>;
}

/**
 * Publishes outbox rows in id order and marks them published in the transaction that locked them.
 * A crash after the broker acknowledged but before the commit re-publishes the row; consumers
 * deduplicate by the event's deterministic id. SKIP LOCKED lets several replicas relay safely.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private readonly runner = new CoalescingRunner(
    () => this.drain(),
    (e) => this.logger.warn({ error: errorName(e) }, 'outbox relay failed; will retry'),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: KafkaPublisher,
    @Inject(SERVICE_CONFIG) private readonly config: ReviewConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.config.OUTBOX_POLL_MS);
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.runner.stop();
  }

  /** Relay now (called after a decision commits, so approval-to-publish does not wait for the poll). */
  kick(): void {
    this.runner.kick();
  }

  /** Publishes until the outbox is empty, or the relay stops. */
  private async drain(): Promise<void> {
    await drainBatches(
      () => this.publishBatch(OUTBOX_BATCH),
      OUTBOX_BATCH,
      () => this.runner.stopped,
    );
  }

  /** Publishes the oldest unpublished rows and marks them published, in one transaction; returns how many. */
  private publishBatch(batchSize: number): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const rows = (await em.query(
        `SELECT id, aggregate_type, aggregate_id, payload, headers FROM outbox
         WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      )) as OutboxRow[];
      if (rows.length === 0) return 0;
      await this.publisher.publish(
        rows.map((r) => ({
          topic: r.aggregate_type,
          key: r.aggregate_id,
          value: Buffer.from(r.payload, 'utf8'),
          headers: r.headers,
        })),
      );
      await em.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [
        rows.map((r) => r.id),
      ]);
      return rows.length;
    });
  }
}

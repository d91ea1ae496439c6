import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { CoalescingRunner, LOGGER, SERVICE_CONFIG, drainBatches } from '@kyoyu/service-kit';
import type { FanoutConfig } from './config';
import { errorCode } from './kafka-dispatcher';

/**
 * Taken (transaction-scoped) by every transaction that adds to TAXII collections, so `seq` and
 * `date_added` grow in commit order: a client paging by either never misses a row committed late.
 */
const TAXII_APPEND_LOCK = 727_017_006;

/**
 * Delivers queued TAXII deliveries: appends each one's bundle objects (the release's, or for version 2 the
 * revoked one's) to the subscriber's collection and marks the delivery done, many deliveries per transaction.
 *
 * TAXII is a channel with its own queue, like each Kafka topic: appending ~20 objects per event and
 * collection under the commit-order lock inside the consumer's store transaction serialised every
 * partition behind it (the lock wait alone was ≈ 200 ms per batch under load), so Kafka subscribers waited
 * for TAXII. Here one cycle at a time per instance takes the lock once for hundreds of deliveries.
 *
 * Runs on a kick after each stored batch or revocation and on a timer (restarts, other instances' rows).
 */
@Injectable()
export class TaxiiAppender implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private readonly runner: CoalescingRunner;
  private readonly appended = metrics.getMeter('kyoyu.fanout').createCounter('kyoyu.fanout.taxii_appended', {
    description: 'Deliveries appended to TAXII collections',
  });

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: FanoutConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly dataSource: DataSource,
  ) {
    this.runner = new CoalescingRunner(
      () => delay(this.config.TAXII_APPEND_LINGER_MS).then(() => this.drain()),
      (err) => this.logger.warn({ code: errorCode(err) }, 'TAXII append cycle failed'),
    );
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.kick(), this.config.DISPATCH_POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.runner.stop();
  }

  /**
   * New TAXII deliveries may be queued: append them within TAXII_APPEND_LINGER_MS. Kicks meanwhile join the
   * same cycle (TAXII clients poll, so a few milliseconds more cost them nothing, while one transaction per
   * stored batch of one or two events would cost PostgreSQL a lock and four statements each). One cycle runs
   * at a time; kicks during a cycle ask for one more.
   */
  kick(): void {
    this.runner.kick();
  }

  /**
   * Appends batches until the queue is empty (or the service stops). The timer kicks every second, mostly
   * with nothing queued: one indexed probe then, not a transaction with the commit-order lock.
   */
  private async drain(): Promise<void> {
    const [queued] = (await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM deliveries WHERE channel = 'taxii' AND delivered_at IS NULL) AS any`,
    )) as Array<{ any: boolean }>;
    if (!queued?.any) return;
    await drainBatches(
      async () => {
        const n = await this.appendBatch();
        if (n > 0) this.appended.add(n);
        return n;
      },
      this.config.TAXII_APPEND_BATCH,
      () => this.runner.stopped,
    );
  }

  /** One transaction: the oldest queued TAXII deliveries, their objects appended, the rows marked delivered. */
  private async appendBatch(): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock($1)`, [TAXII_APPEND_LOCK]);
      const done = (await em.query(
        `WITH picked AS (
           SELECT d.seq, d.event_id, d.subscriber_id, d.version FROM deliveries d
           WHERE d.channel = 'taxii' AND d.delivered_at IS NULL
           ORDER BY d.seq LIMIT $1
         ),
         appended AS (
           INSERT INTO taxii_objects (collection, stix_id, stix_type, version, version_ts, event_id, date_added,
             object)
           SELECT p.subscriber_id, o.obj->>'id', o.obj->>'type', coalesce(o.obj->>'modified', o.obj->>'created'),
             coalesce(o.obj->>'modified', o.obj->>'created')::timestamptz, p.event_id, clock_timestamp(), o.obj
           FROM picked p
             JOIN released_events r ON r.event_id = p.event_id
             CROSS JOIN LATERAL jsonb_array_elements(
               (CASE WHEN p.version = 1 THEN r.bundle ELSE r.revoked_bundle END)::jsonb -> 'objects'
             ) WITH ORDINALITY AS o(obj, oo)
           ORDER BY p.seq, o.oo
           ON CONFLICT (collection, stix_id, version) DO NOTHING
         )
         UPDATE deliveries d SET delivered_at = now(), attempts = d.attempts + 1, last_error = NULL
         FROM picked p WHERE d.seq = p.seq
         RETURNING d.seq`,
        [this.config.TAXII_APPEND_BATCH],
      )) as unknown[];
      return done.length;
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

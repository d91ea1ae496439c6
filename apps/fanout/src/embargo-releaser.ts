import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { ReleasedEvent } from '@kyoyu/contracts';
import { errorName } from '@kyoyu/messaging';
import { CoalescingRunner, LOGGER, SERVICE_CONFIG, drainBatches } from '@kyoyu/service-kit';
import type { FanoutConfig } from './config';
import { DeliveryChannels } from './delivery-channels';
import { ReleasePreparer, UnrenderableEvent } from './release-preparer';
import { RegistryGuard } from './registry-guard';
import { ReleaseStore, type ReleaseToStore } from './release-store';

/** Releases moved out of embargo per transaction. */
const EMBARGO_BATCH = 200;

/**
 * Routes embargoed releases once their embargo has ended, with the subscribers registered then, after fan-out's
 * egress guard has checked them against the registry of then. Moving a
 * release out of `embargoed_releases` and storing it happen in one transaction, and storing is idempotent,
 * so several fan-out instances, or a crash in between, never route one twice.
 */
@Injectable()
export class EmbargoReleaser implements OnModuleInit, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  /** Parked releases as last counted (after each pass), for the gauge. */
  private parked = { waiting: 0, failed: 0 };
  /** One pass at a time; each works through every release due, a batch per transaction. */
  private readonly passes = new CoalescingRunner(
    () => this.releaseAllDue(),
    // The rows stay where they are; the next tick tries again.
    (e) => this.logger.warn({ error: errorName(e) }, 'embargo release failed; will retry'),
  );

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: FanoutConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly dataSource: DataSource,
    private readonly preparer: ReleasePreparer,
    private readonly store: ReleaseStore,
    private readonly channels: DeliveryChannels,
    private readonly guard: RegistryGuard,
  ) {
    // A failed release is never delivered until someone acts: a gauge above zero is work left undone.
    metrics
      .getMeter('kyoyu.fanout')
      .createObservableGauge('kyoyu_fanout_embargoed_releases', {
        description:
          'Releases parked under embargo: waiting for it to end, or failed (unrenderable) when it did',
      })
      .addCallback((r) => {
        r.observe(this.parked.waiting, { state: 'waiting' });
        r.observe(this.parked.failed, { state: 'failed' });
      });
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.passes.kick(), this.config.EMBARGO_POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.passes.stop();
  }

  /**
   * Routes every release whose embargo has ended. A batch per tick would route at most EMBARGO_BATCH per
   * EMBARGO_POLL_MS (20 a second by default), however many came due at once.
   */
  private async releaseAllDue(): Promise<void> {
    await drainBatches(
      () => this.releaseBatch(EMBARGO_BATCH),
      EMBARGO_BATCH,
      () => this.passes.stopped,
    );
    this.parked = await this.store.embargoCounts();
  }

  /**
   * Takes up to `limit` due releases, in one transaction: those the egress guard stops are held, the others
   * routed and stored, and all of them leave the embargo table; one that cannot be rendered stays there,
   * marked failed (and no longer due), so it holds up neither its batch nor the releases due after it.
   * Returns how many it took.
   */
  private async releaseBatch(limit: number): Promise<number> {
    const { kick, held, failed, taken } = await this.dataSource.transaction(async (em) => {
      const due = (await em.query(
        `SELECT event_id, release, trace_context FROM embargoed_releases
         WHERE withdrawn_at IS NULL AND failed_at IS NULL AND release_at <= now()
         ORDER BY release_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      )) as Array<{ event_id: string; release: ReleasedEvent; trace_context: Record<string, string> | null }>;
      if (due.length === 0) return { kick: NOTHING_STORED, held: [], failed: [], taken: 0 };
      const { clear, held } = await this.guard.recheck(
        due.map((d) => ({
          release: d.release,
          ...(d.trace_context ? { traceContext: d.trace_context } : {}),
        })),
        em,
      );
      const prepared = await this.preparer.prepareAll(clear.map((d) => d.release));
      const ready: ReleaseToStore[] = [];
      const failed: string[] = [];
      clear.forEach((d, i) => {
        const p = prepared[i] as ReleaseToStore | Error;
        if (p instanceof Error) failed.push(d.release.event.eventId);
        else ready.push({ ...p, ...(d.traceContext ? { traceContext: d.traceContext } : {}) });
      });
      const kick = await this.store.storeReleases(ready, em);
      if (failed.length > 0)
        await em.query(
          `UPDATE embargoed_releases SET failed_at = now(), failure = $2 WHERE event_id = ANY($1::text[])`,
          [failed, UnrenderableEvent.CODE],
        );
      await em.query(
        `DELETE FROM embargoed_releases WHERE event_id = ANY($1::text[]) AND failed_at IS NULL`,
        [due.map((d) => d.event_id)],
      );
      return { kick, held, failed, taken: due.length };
    });
    // Counted only now that the holds are committed.
    this.guard.countHeld(held);
    this.channels.queued(kick);
    if (failed.length > 0)
      this.logger.warn(
        { code: UnrenderableEvent.CODE, events: failed },
        'releases whose embargo ended cannot be rendered; kept out of delivery, marked failed',
      );
    // A full batch means more may be due.
    return taken;
  }
}

const NOTHING_STORED = { kafkaSubscribers: [], stored: [], taxiiQueued: false };

import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { ReleasedEvent } from '@kyoyu/contracts';
import { errorName } from '@kyoyu/messaging';
import { LOGGER, SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { FanoutConfig } from './config';
import { DeliveryChannels } from './delivery-channels';
import { ReleasePreparer } from './release-preparer';
import { RegistryGuard } from './registry-guard';
import { ReleaseStore, type ReleaseToStore } from './release-store';

/**
 * Routes embargoed releases once their embargo has ended, with the subscribers registered then, after fan-out's
 * egress guard has checked them against the registry of then. Moving a
 * release out of `embargoed_releases` and storing it happen in one transaction, and storing is idempotent,
 * so several fan-out instances, or a crash in between, never route one twice.
 */
@Injectable()
export class EmbargoReleaser implements OnModuleInit, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: FanoutConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly dataSource: DataSource,
    private readonly preparer: ReleasePreparer,
    private readonly store: ReleaseStore,
    private readonly channels: DeliveryChannels,
    private readonly guard: RegistryGuard,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.releaseDue(), this.config.EMBARGO_POLL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Routes every release whose embargo has ended; returns how many. */
  async releaseDue(limit = 200): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const { kick, held } = await this.dataSource.transaction(async (em) => {
        const due = (await em.query(
          `WITH due AS (
             DELETE FROM embargoed_releases WHERE event_id IN (
               SELECT event_id FROM embargoed_releases WHERE withdrawn_at IS NULL AND release_at <= now()
               ORDER BY release_at LIMIT $1 FOR UPDATE SKIP LOCKED)
             RETURNING release, trace_context
           )
           SELECT release, trace_context FROM due`,
          [limit],
        )) as Array<{ release: ReleasedEvent; trace_context: Record<string, string> | null }>;
        if (due.length === 0)
          return { kick: { kafkaSubscribers: [], stored: [], taxiiQueued: false }, held: [] };
        const { clear, held } = await this.guard.recheck(
          due.map((d) => ({
            release: d.release,
            ...(d.trace_context ? { traceContext: d.trace_context } : {}),
          })),
          em,
        );
        // A release that cannot be rendered fails the transaction, tried again at the next tick.
        const prepared = await this.preparer.prepareEvery(clear.map((d) => d.release));
        const kick = await this.store.storeReleases(
          clear.map((d, i) => ({
            ...(prepared[i] as ReleaseToStore),
            ...(d.traceContext ? { traceContext: d.traceContext } : {}),
          })),
          em,
        );
        return { kick, held };
      });
      // Counted only now that the holds are committed.
      this.guard.countHeld(held);
      this.channels.queued(kick);
      return kick.stored.length;
    } catch (e) {
      // The rows stay where they are; the next tick tries again.
      this.logger.warn({ error: errorName(e) }, 'embargo release failed; will retry');
      return 0;
    } finally {
      this.running = false;
    }
  }
}

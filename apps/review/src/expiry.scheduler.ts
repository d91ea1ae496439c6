import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { errorName } from '@kyoyu/messaging';
import { CoalescingRunner, LOGGER, SERVICE_CONFIG, drainBatches } from '@kyoyu/service-kit';
import type { ReviewConfig } from './config';
import { ReviewMetrics } from './review-metrics';
import { ReviewRepository } from './review.repository';

/** Items expired per transaction. */
const EXPIRY_BATCH = 1000;

/** Expires items past their deadline every REVIEW_EXPIRY_SWEEP_MS (SKIP LOCKED: safe with replicas). */
@Injectable()
export class ExpiryScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private readonly sweeps = new CoalescingRunner(
    () => this.expireAll(),
    (e) => this.logger.warn({ error: errorName(e) }, 'expiry sweep failed; will retry'),
  );

  constructor(
    private readonly repo: ReviewRepository,
    private readonly metrics: ReviewMetrics,
    @Inject(SERVICE_CONFIG) private readonly config: ReviewConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sweeps.kick(), this.config.REVIEW_EXPIRY_SWEEP_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeps.stop();
  }

  private async expireAll(): Promise<void> {
    await drainBatches(
      async () => {
        const n = await this.repo.expireDue(new Date(), EXPIRY_BATCH);
        this.metrics.expired(n);
        if (n > 0) this.logger.info({ expired: n }, 'held items expired');
        return n;
      },
      EXPIRY_BATCH,
      () => this.sweeps.stopped,
    );
  }
}

import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { metrics, type Counter } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import { OPEN_STATES, REVIEW_STATES, type ReviewState } from '@kyoyu/review-core';

/**
 * Open items are counted every 5 s, through the partial index on open items; the totals of decided items, which
 * grow without bound (nothing expires from the table), every FULL_EVERY refreshes and whenever an operator asks.
 * Measured on 1,000,000 items of which 20,000 open: 544-616 ms for counting every state, 86-148 ms for the open.
 */
const FULL_EVERY = 12;

/**
 * Queue depth, age of the oldest open item, decisions per reviewer and expiries, through the
 * OpenTelemetry metrics API (the exporter is wired per service). Labels: state, decision and the
 * reviewer's opaque account id (bounded by the accounts an operator creates) — never customer names.
 */
@Injectable()
export class ReviewMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly meter = metrics.getMeter('kyoyu.review');
  private readonly decisions: Counter = this.meter.createCounter('kyoyu_review_decisions_total', {
    description: 'Reviewer actions on held items, by reviewer account id and decision',
  });
  private readonly expiries: Counter = this.meter.createCounter('kyoyu_review_expiries_total', {
    description: 'Held items that passed their deadline and expired (never released)',
  });
  private depth = new Map<ReviewState, number>();
  private oldestOpenSeconds = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;

  constructor(private readonly dataSource: DataSource) {
    this.meter
      .createObservableGauge('kyoyu_review_queue_depth', { description: 'Held items by state' })
      .addCallback((r) => {
        for (const s of REVIEW_STATES) r.observe(this.depth.get(s) ?? 0, { state: s });
      });
    this.meter
      .createObservableGauge('kyoyu_review_oldest_open_age_seconds', {
        description: 'Age of the oldest item still waiting for a decision',
        unit: 's',
      })
      .addCallback((r) => r.observe(this.oldestOpenSeconds));
  }

  onApplicationBootstrap(): void {
    void this.refresh().catch(() => undefined);
    this.timer = setInterval(
      () => void this.refresh({ all: ++this.ticks % FULL_EVERY === 0 }).catch(() => undefined),
      5000,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  decided(reviewerId: string, decision: 'approved' | 'first-approval' | 'rejected' | 'redacted'): void {
    this.decisions.add(1, { reviewer: reviewerId, decision });
  }

  expired(count: number): void {
    if (count > 0) this.expiries.add(count);
  }

  /** Current figures (also used by the admin API's queue summary). */
  snapshot(): { depth: Record<string, number>; oldestOpenSeconds: number } {
    return { depth: Object.fromEntries(this.depth), oldestOpenSeconds: this.oldestOpenSeconds };
  }

  /** Counts every state (`all`, the default), or only the open ones, keeping the decided totals from before. */
  async refresh(o: { all?: boolean } = {}): Promise<void> {
    const all = o.all ?? true;
    const rows = (await this.dataSource.query(
      `SELECT state, count(*)::int AS n,
         coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest FROM review_items
       ${all ? '' : 'WHERE state = ANY($1::text[])'} GROUP BY state`,
      all ? [] : [OPEN_STATES],
    )) as Array<{ state: ReviewState; n: number; oldest: string | number }>;
    const depth = new Map<ReviewState, number>(all ? [] : this.depth);
    // A state without items has no row: open counts start from zero on every refresh.
    for (const s of OPEN_STATES) depth.set(s, 0);
    let oldest = 0;
    for (const r of rows) {
      depth.set(r.state, r.n);
      if (OPEN_STATES.includes(r.state)) oldest = Math.max(oldest, Number(r.oldest));
    }
    this.depth = depth;
    this.oldestOpenSeconds = Math.round(oldest);
  }
}

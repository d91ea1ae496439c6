import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Headers, Topics, deterministicId, encodeEvent, type ReviewRequest } from '@kyoyu/contracts';
import { ReviewItemEntity, type ReviewState } from '@kyoyu/persistence';

export type DecisionResult =
  { ok: true } | { ok: false; code: 'REVIEW.NOT_FOUND' | 'REVIEW.ALREADY_DECIDED' };

@Injectable()
export class ReviewRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a held item; a repeated request for the same case is a no-op. Returns whether it was new. */
  async hold(
    req: ReviewRequest,
    correlationId: string,
    deadlineHours: number,
    now = new Date(),
  ): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO review_items (case_id, alert_id, source_org, state, draft, reasons, risk, transformations,
         original, tlp, deadline, created_at, version, correlation_id)
       VALUES ($1, $2, $3, 'held', $4, $5, $6, $7, $8, $9, $10, $11, 1, $12)
       ON CONFLICT DO NOTHING RETURNING case_id`,
      [
        req.caseId,
        req.alertId,
        req.sourceOrg,
        JSON.stringify(req.draft),
        JSON.stringify(req.reasons),
        req.risk,
        JSON.stringify(req.transformations),
        JSON.stringify(req.original),
        req.draft.distribution.tlp,
        new Date(now.getTime() + deadlineHours * 3600_000),
        now,
        correlationId,
      ],
    )) as unknown[];
    return rows.length === 1;
  }

  async list(state: ReviewState, limit: number): Promise<ReviewItemEntity[]> {
    return this.dataSource.getRepository(ReviewItemEntity).find({
      where: { state },
      order: { createdAt: 'ASC' },
      take: limit,
    });
  }

  async get(caseId: string): Promise<ReviewItemEntity | null> {
    return this.dataSource.getRepository(ReviewItemEntity).findOneBy({ caseId });
  }

  /**
   * Approves a held item and writes its release to the outbox in the same transaction: either both
   * happen or neither. The relay publishes the outbox row afterwards.
   */
  async approve(caseId: string, now = new Date()): Promise<DecisionResult> {
    return this.dataSource.transaction(async (em) => {
      const rows = (await em.query(
        `UPDATE review_items SET state = 'approved', decided_at = $2, version = version + 1
         WHERE case_id = $1 AND state = 'held' RETURNING draft, correlation_id`,
        [caseId, now],
      )) as [Array<{ draft: ReviewRequest['draft']; correlation_id: string }>, number];
      const row = rows[0][0];
      if (!row) return this.whyNotHeld(caseId);
      const event = row.draft;
      const value = encodeEvent(Topics.EventsReleased, {
        id: deterministicId('released', event.eventId),
        type: 'EventReleased',
        schemaVersion: 1,
        correlationId: row.correlation_id,
        occurredAt: now.toISOString(),
        data: { event, route: 'review', releasedAt: now.toISOString() },
      });
      await em.query(
        `INSERT INTO outbox (aggregate_type, aggregate_id, type, payload, headers, created_at)
         VALUES ($1, $2, 'EventReleased', $3, $4, $5)`,
        [
          Topics.EventsReleased,
          event.eventId,
          value.toString('utf8'),
          JSON.stringify({
            [Headers.EventType]: 'EventReleased',
            [Headers.CorrelationId]: row.correlation_id,
          }),
          now,
        ],
      );
      return { ok: true };
    });
  }

  async reject(caseId: string, now = new Date()): Promise<DecisionResult> {
    const rows = (await this.dataSource.query(
      `UPDATE review_items SET state = 'rejected', decided_at = $2, version = version + 1
       WHERE case_id = $1 AND state = 'held' RETURNING case_id`,
      [caseId, now],
    )) as [unknown[], number];
    if (rows[0].length === 1) return { ok: true };
    return this.whyNotHeld(caseId);
  }

  /** After a conditional update matched nothing: the item is either unknown or no longer held. */
  private async whyNotHeld(caseId: string): Promise<DecisionResult> {
    const exists = (await this.dataSource.query('SELECT 1 FROM review_items WHERE case_id = $1', [
      caseId,
    ])) as unknown[];
    return { ok: false, code: exists.length ? 'REVIEW.ALREADY_DECIDED' : 'REVIEW.NOT_FOUND' };
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context of the span that held an item, so its approval, hours later, continues the alert's
 * own trace through the outbox to fan-out.
 */
export class ReviewTraceContext1764000000001 implements MigrationInterface {
  name = 'ReviewTraceContext1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE review_items ADD COLUMN trace_context jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE review_items DROP COLUMN trace_context`);
  }
}

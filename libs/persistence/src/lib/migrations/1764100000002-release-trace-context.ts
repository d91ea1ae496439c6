import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context of the span that stored a release, so each later delivery to a subscriber (after
 * a queue wait or an embargo) is a span of the alert's own trace.
 */
export class ReleaseTraceContext1764100000002 implements MigrationInterface {
  name = 'ReleaseTraceContext1764100000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE released_events ADD COLUMN trace_context jsonb`);
    await q.query(`ALTER TABLE embargoed_releases ADD COLUMN trace_context jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE embargoed_releases DROP COLUMN trace_context`);
    await q.query(`ALTER TABLE released_events DROP COLUMN trace_context`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Releases fan-out's own egress guard stopped before any subscriber got them (a registered customer's
 * identifier in the event): kept, undelivered, with what kind of identifier was seen in which view, until the
 * operator releases the item (a false alarm) or it is withdrawn.
 */
export class GuardHeldReleases1764500000000 implements MigrationInterface {
  name = 'GuardHeldReleases1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE guard_held_releases (
      event_id text PRIMARY KEY,
      release jsonb NOT NULL,
      hits jsonb NOT NULL,
      held_at timestamptz NOT NULL,
      trace_context jsonb,
      resolved_at timestamptz,
      resolution text CHECK (resolution IN ('released', 'withdrawn'))
    )`);
    await q.query(
      `CREATE INDEX guard_held_releases_open ON guard_held_releases (held_at) WHERE resolved_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE guard_held_releases`);
  }
}

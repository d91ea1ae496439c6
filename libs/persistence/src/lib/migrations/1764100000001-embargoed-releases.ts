import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Released events whose sharing agreement sets an embargo wait here, unrouted, until the embargo ends; a
 * withdrawal during the embargo marks them so they are never delivered.
 */
export class EmbargoedReleases1764100000001 implements MigrationInterface {
  name = 'EmbargoedReleases1764100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE embargoed_releases (
      event_id text PRIMARY KEY,
      release jsonb NOT NULL,
      release_at timestamptz NOT NULL,
      stored_at timestamptz NOT NULL,
      withdrawn_at timestamptz
    )`);
    await q.query(
      `CREATE INDEX embargoed_releases_due ON embargoed_releases (release_at) WHERE withdrawn_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE embargoed_releases`);
  }
}

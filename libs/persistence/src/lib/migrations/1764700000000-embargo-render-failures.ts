import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A release whose embargo has ended but whose bundle cannot be rendered stays in `embargoed_releases`, marked
 * with when and why (`failed_at`, `failure`: a stable code), and is no longer picked up as due: before, it
 * failed every transaction that took it, and every release due after it waited behind it. The due index
 * leaves failed rows out, so the releaser's poll does not step over them every time.
 */
export class EmbargoRenderFailures1764700000000 implements MigrationInterface {
  name = 'EmbargoRenderFailures1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE embargoed_releases ADD COLUMN failed_at timestamptz, ADD COLUMN failure text`);
    await q.query(`DROP INDEX embargoed_releases_due`);
    await q.query(
      `CREATE INDEX embargoed_releases_due ON embargoed_releases (release_at)
       WHERE withdrawn_at IS NULL AND failed_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX embargoed_releases_due`);
    await q.query(`ALTER TABLE embargoed_releases DROP COLUMN failed_at, DROP COLUMN failure`);
    await q.query(
      `CREATE INDEX embargoed_releases_due ON embargoed_releases (release_at) WHERE withdrawn_at IS NULL`,
    );
  }
}

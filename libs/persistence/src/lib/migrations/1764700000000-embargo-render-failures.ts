import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A release whose embargo has ended but whose bundle cannot be rendered stays in `embargoed_releases`, marked
 * with when and why (`failed_at`, `failure`: a stable code), and is no longer picked up as due: before, it
 * failed every transaction that took it, and every release due after it waited behind it.
 */
export class EmbargoRenderFailures1764700000000 implements MigrationInterface {
  name = 'EmbargoRenderFailures1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE embargoed_releases ADD COLUMN failed_at timestamptz, ADD COLUMN failure text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE embargoed_releases DROP COLUMN failed_at, DROP COLUMN failure`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Rejected records an operator re-sent to ingestion (`kyoyu rejections replay`): each at most once. */
export class RejectionReplays1764200000000 implements MigrationInterface {
  name = 'RejectionReplays1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE rejection_replays (
      rejection_id text PRIMARY KEY,
      origin text NOT NULL,
      reason text NOT NULL,
      replayed_at timestamptz NOT NULL,
      replayed_by text NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS rejection_replays`);
  }
}

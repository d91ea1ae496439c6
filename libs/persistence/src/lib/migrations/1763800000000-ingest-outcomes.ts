import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per raw record ingestion consumed, naming its outcome: the first link of the chain the operator's
 * reconcile command follows to prove every input ended exactly once.
 */
export class IngestOutcomes1763800000000 implements MigrationInterface {
  name = 'IngestOutcomes1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ingest_outcomes (
      origin text PRIMARY KEY,
      topic text NOT NULL,
      partition integer NOT NULL,
      "offset" bigint NOT NULL,
      source_org text,
      alert_id text,
      outcome text NOT NULL CHECK (outcome IN ('normalized','duplicate','rejected')),
      reason text,
      recorded_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX ingest_outcomes_recorded_at ON ingest_outcomes (recorded_at)`);
    await q.query(`CREATE INDEX ingest_outcomes_alert_id ON ingest_outcomes (alert_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ingest_outcomes`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TAXII deliveries are queued like Kafka ones and appended by fan-out's TaxiiAppender, oldest first: this
 * index finds the queue's head without reading every pending Kafka row.
 */
export class TaxiiAppendQueue1764300000000 implements MigrationInterface {
  name = 'TaxiiAppendQueue1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX deliveries_taxii_pending ON deliveries (seq) WHERE delivered_at IS NULL AND channel = 'taxii'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS deliveries_taxii_pending`);
  }
}

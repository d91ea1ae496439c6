import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `deliveries` and `review_items` grow without end but are also queues: a row waits (pending delivery,
 * open review) and is then updated out of its partial index (`deliveries_pending` until this migration,
 * `deliveries_taxii_pending`, `review_items_open_deadline`). Until VACUUM removes them, the dead entries
 * stay in those small indexes, and every poll of the queue reads them.
 *
 * PostgreSQL's defaults vacuum and analyze a table after 20% and 10% of it changed, so the wait between
 * vacuums grows with the table; and on a large table whose dead rows sit in a few recent pages, VACUUM
 * skips index cleanup altogether (fewer than 2% of pages affected). Measured in a soak, 1.3M delivery
 * rows in: 700,000 dead entries in `deliveries_pending` for 1,800 pending rows; the fan-out backlog poll
 * (every second) took 600–870 ms, and throughput fell from 398 to 181 alerts/s.
 *
 * Here: vacuum and analyze after a fixed number of changed rows whatever the size, and always clean the
 * indexes, so a queue poll reads what is pending plus at most one vacuum interval of dead entries.
 *
 * And the Kafka dispatcher's queue gets an index of its own. `deliveries_pending` also held the pending TAXII
 * rows (which have `deliveries_taxii_pending`); in the same soak 146,000 TAXII rows were queued against 600
 * Kafka ones, so for Kafka's queries PostgreSQL scanned the whole table instead (backlog poll and dispatch
 * cycle 100–190 ms at 540,000 rows, growing with the table; 1–4 ms with this index).
 */
const TABLES = ['deliveries', 'review_items'];

export class QueueTables1764400000000 implements MigrationInterface {
  name = 'QueueTables1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX deliveries_kafka_pending ON deliveries (subscriber_id, seq)
       WHERE delivered_at IS NULL AND channel = 'kafka'`,
    );
    await q.query(`DROP INDEX deliveries_pending`);
    for (const t of TABLES) {
      await q.query(
        `ALTER TABLE ${t} SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,
           autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 10000, vacuum_index_cleanup = on)`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX deliveries_pending ON deliveries (subscriber_id, seq) WHERE delivered_at IS NULL`,
    );
    await q.query(`DROP INDEX deliveries_kafka_pending`);
    for (const t of TABLES) {
      await q.query(
        `ALTER TABLE ${t} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
           autovacuum_analyze_scale_factor, autovacuum_analyze_threshold, vacuum_index_cleanup)`,
      );
    }
  }
}

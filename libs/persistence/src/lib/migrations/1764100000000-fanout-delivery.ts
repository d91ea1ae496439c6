import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fan-out as an outbox: every released event and its bundle are stored (also when nobody is entitled, so
 * reconciliation can prove the outcome), one pending delivery row per entitled subscriber and channel,
 * published per subscriber in order; TAXII collections; revocation; subscriber channels and hashed keys.
 */
export class FanoutDelivery1764100000000 implements MigrationInterface {
  name = 'FanoutDelivery1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscribers
      ADD COLUMN channels jsonb NOT NULL DEFAULT '["kafka","taxii"]'::jsonb,
      ADD COLUMN taxii_api_key_hash text`);
    await q.query(
      `CREATE UNIQUE INDEX subscribers_taxii_api_key_hash ON subscribers (taxii_api_key_hash)
       WHERE taxii_api_key_hash IS NOT NULL`,
    );
    await q.query(`CREATE TABLE released_events (
      event_id text PRIMARY KEY,
      event jsonb NOT NULL,
      route text NOT NULL,
      tlp text NOT NULL,
      bundle text NOT NULL,
      content_hash text NOT NULL,
      version integer NOT NULL DEFAULT 1,
      recipients integer NOT NULL,
      released_at timestamptz NOT NULL,
      stored_at timestamptz NOT NULL,
      revoked boolean NOT NULL DEFAULT false,
      revoked_at timestamptz,
      revoke_reason text,
      revoked_by text,
      revoked_bundle text,
      revoked_hash text
    )`);
    await q.query(`CREATE INDEX released_events_stored_at ON released_events (stored_at)`);
    await q.query(`ALTER TABLE deliveries
      ADD COLUMN version integer NOT NULL DEFAULT 1,
      ADD COLUMN seq bigserial,
      ADD COLUMN queued_at timestamptz,
      ADD COLUMN attempts integer NOT NULL DEFAULT 0,
      ADD COLUMN last_error text,
      ALTER COLUMN delivered_at DROP NOT NULL`);
    await q.query(`UPDATE deliveries SET queued_at = delivered_at`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN queued_at SET NOT NULL`);
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey`);
    await q.query(`ALTER TABLE deliveries ADD PRIMARY KEY (event_id, subscriber_id, channel, version)`);
    await q.query(`CREATE UNIQUE INDEX deliveries_seq ON deliveries (seq)`);
    await q.query(
      `CREATE INDEX deliveries_pending ON deliveries (subscriber_id, seq) WHERE delivered_at IS NULL`,
    );
    await q.query(`CREATE TABLE taxii_objects (
      seq bigserial PRIMARY KEY,
      collection text NOT NULL,
      stix_id text NOT NULL,
      stix_type text NOT NULL,
      version text NOT NULL,
      version_ts timestamptz NOT NULL,
      event_id text NOT NULL,
      date_added timestamptz NOT NULL,
      object jsonb NOT NULL,
      UNIQUE (collection, stix_id, version)
    )`);
    await q.query(`CREATE INDEX taxii_objects_collection_seq ON taxii_objects (collection, seq)`);
    await q.query(
      `CREATE INDEX taxii_objects_collection_id ON taxii_objects (collection, stix_id, version_ts)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS taxii_objects`);
    await q.query(`DELETE FROM deliveries WHERE delivered_at IS NULL OR version <> 1`);
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey`);
    await q.query(`DROP INDEX IF EXISTS deliveries_pending`);
    await q.query(`DROP INDEX IF EXISTS deliveries_seq`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN version, DROP COLUMN seq, DROP COLUMN queued_at,
      DROP COLUMN attempts, DROP COLUMN last_error, ALTER COLUMN delivered_at SET NOT NULL`);
    await q.query(`ALTER TABLE deliveries ADD PRIMARY KEY (event_id, subscriber_id, channel)`);
    await q.query(`DROP TABLE IF EXISTS released_events`);
    await q.query(`DROP INDEX IF EXISTS subscribers_taxii_api_key_hash`);
    await q.query(`ALTER TABLE subscribers DROP COLUMN channels, DROP COLUMN taxii_api_key_hash`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763770000000 implements MigrationInterface {
  name = 'InitialSchema1763770000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE seen_alerts (
      alert_id text PRIMARY KEY,
      first_seen_at timestamptz NOT NULL,
      origin text NOT NULL
    )`);
    await q.query(`CREATE INDEX seen_alerts_first_seen_at ON seen_alerts (first_seen_at)`);
    await q.query(`CREATE TABLE customers (
      id text PRIMARY KEY,
      profile jsonb NOT NULL,
      agreement jsonb NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE review_items (
      case_id text PRIMARY KEY,
      alert_id text NOT NULL UNIQUE,
      source_org text NOT NULL,
      state text NOT NULL CHECK (state IN ('held','awaiting-second-approval','approved','rejected','expired')),
      draft jsonb NOT NULL,
      reasons jsonb NOT NULL,
      risk real NOT NULL,
      transformations jsonb NOT NULL,
      original jsonb NOT NULL,
      tlp text NOT NULL,
      deadline timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      decided_at timestamptz,
      correlation_id text NOT NULL,
      version integer NOT NULL
    )`);
    await q.query(`CREATE INDEX review_items_state_created ON review_items (state, created_at)`);
    await q.query(`CREATE TABLE outbox (
      id bigserial PRIMARY KEY,
      aggregate_type text NOT NULL,
      aggregate_id text NOT NULL,
      type text NOT NULL,
      payload text NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL,
      published_at timestamptz
    )`);
    await q.query(`CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`);
    await q.query(`CREATE TABLE subscribers (
      id text PRIMARY KEY,
      name text NOT NULL,
      sectors jsonb NOT NULL,
      tlp_clearance text NOT NULL,
      filters jsonb NOT NULL,
      active boolean NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE deliveries (
      event_id text NOT NULL,
      subscriber_id text NOT NULL,
      channel text NOT NULL,
      content_hash text NOT NULL,
      delivered_at timestamptz NOT NULL,
      PRIMARY KEY (event_id, subscriber_id, channel)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['deliveries', 'subscribers', 'outbox', 'review_items', 'customers', 'seen_alerts']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Human review (issue 5): four-eyes approvals, assignment, reviewer accounts with customer clearances,
 * sessions and API tokens, notes, and the append-only, hash-chained audit log.
 *
 * The audit log's append-only guarantee does not rely on which role the services connect as:
 * - UPDATE, DELETE and TRUNCATE are revoked from PUBLIC (and from `kyoyu_app`, the role production
 *   runs the services as, when it exists: grant it only SELECT and INSERT);
 * - a trigger raises on every UPDATE, DELETE and TRUNCATE, so even the table's owner cannot change
 *   history without first dropping the trigger, which itself needs a migration and shows in review.
 */
export class ReviewWorkflow1764000000000 implements MigrationInterface {
  name = 'ReviewWorkflow1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE review_items
      ADD COLUMN four_eyes boolean NOT NULL DEFAULT false,
      ADD COLUMN four_eyes_reasons jsonb NOT NULL DEFAULT '[]'::jsonb,
      ADD COLUMN approvals jsonb NOT NULL DEFAULT '[]'::jsonb,
      ADD COLUMN assignee text,
      ADD COLUMN decision_reason text,
      ADD COLUMN reason_codes text[] NOT NULL DEFAULT '{}'`);
    await q.query(
      `CREATE INDEX review_items_org_state_created ON review_items (source_org, state, created_at, case_id)`,
    );
    await q.query(
      `CREATE INDEX review_items_open_deadline ON review_items (deadline) WHERE state IN ('held','awaiting-second-approval')`,
    );
    await q.query(`CREATE INDEX review_items_reason_codes ON review_items USING gin (reason_codes)`);

    await q.query(`CREATE TABLE review_accounts (
      id text PRIMARY KEY,
      username text NOT NULL UNIQUE,
      display_name text NOT NULL,
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin','reviewer')),
      clearances text[] NOT NULL DEFAULT '{}',
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE review_sessions (
      token_hash text PRIMARY KEY,
      account_id text NOT NULL REFERENCES review_accounts(id) ON DELETE CASCADE,
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX review_sessions_expires ON review_sessions (expires_at)`);
    await q.query(`CREATE TABLE review_api_tokens (
      token_hash text PRIMARY KEY,
      account_id text NOT NULL REFERENCES review_accounts(id) ON DELETE CASCADE,
      name text NOT NULL,
      created_at timestamptz NOT NULL,
      revoked_at timestamptz
    )`);
    await q.query(`CREATE TABLE review_notes (
      id bigserial PRIMARY KEY,
      case_id text NOT NULL REFERENCES review_items(case_id),
      author_id text NOT NULL,
      body text NOT NULL,
      created_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX review_notes_case ON review_notes (case_id, id)`);
    await q.query(`ALTER TABLE customers ADD COLUMN deactivated_at timestamptz`);

    await q.query(`CREATE TABLE audit_log (
      seq bigserial PRIMARY KEY,
      at timestamptz NOT NULL,
      actor text NOT NULL,
      action text NOT NULL,
      case_id text,
      before_hash text,
      after_hash text,
      reason text,
      prev_hash text NOT NULL,
      hash text NOT NULL UNIQUE
    )`);
    await q.query(`CREATE INDEX audit_log_case ON audit_log (case_id, seq)`);
    await q.query(`CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only()`);
    await q.query(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only()`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC`);
    await q.query(`DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kyoyu_app') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM kyoyu_app;
        GRANT SELECT, INSERT ON audit_log TO kyoyu_app;
        GRANT USAGE ON SEQUENCE audit_log_seq_seq TO kyoyu_app;
      END IF;
    END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The audit log is kept on purpose: history is not rolled back with the schema.
    for (const t of ['review_notes', 'review_api_tokens', 'review_sessions', 'review_accounts']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await q.query(`ALTER TABLE customers DROP COLUMN IF EXISTS deactivated_at`);
    await q.query(`ALTER TABLE review_items DROP COLUMN four_eyes, DROP COLUMN four_eyes_reasons,
      DROP COLUMN approvals, DROP COLUMN assignee, DROP COLUMN decision_reason, DROP COLUMN reason_codes`);
  }
}

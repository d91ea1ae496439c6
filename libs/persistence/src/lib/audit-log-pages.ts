import type { DataSource } from 'typeorm';

/** An audit log entry as the hash chain covers it, with its position (`seq`) in the log. */
export interface StoredAuditEntry<Action extends string = string> {
  seq: string;
  at: string;
  actor: string;
  action: Action;
  caseId: string | null;
  beforeHash: string | null;
  afterHash: string | null;
  reason: string | null;
  prevHash: string;
  hash: string;
}

/**
 * The audit log entries after `afterSeq` (from the start when null), at most `limit`, in log order: a page of
 * what the chain's verifier reads. `Action` names the actions the writer records (review-core's AuditAction);
 * the table holds them as text.
 */
export async function auditLogPage<Action extends string = string>(
  db: Pick<DataSource, 'query'>,
  afterSeq: string | null,
  limit: number,
): Promise<Array<StoredAuditEntry<Action>>> {
  // seq stays bigint in the query (pg hands int8 over as a string anyway): cast to text under its own name,
  // ORDER BY would sort the text ('10' before '2') and break the chain at the tenth entry.
  const rows = (await db.query(
    `SELECT seq, at, actor, action, case_id, before_hash, after_hash, reason, prev_hash, hash
     FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
    [afterSeq ?? '0', limit],
  )) as Array<{
    seq: string;
    at: Date;
    actor: string;
    action: Action;
    case_id: string | null;
    before_hash: string | null;
    after_hash: string | null;
    reason: string | null;
    prev_hash: string;
    hash: string;
  }>;
  return rows.map((r) => ({
    seq: r.seq,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    caseId: r.case_id,
    beforeHash: r.before_hash,
    afterHash: r.after_hash,
    reason: r.reason,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

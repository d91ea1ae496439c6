import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { auditLogPage } from '@kyoyu/persistence';
import {
  GENESIS_HASH,
  chain,
  verifyAuditLog,
  type AuditAction,
  type AuditRecord,
  type ChainVerdict,
} from '@kyoyu/review-core';

// Any fixed 64-bit number: one writer at a time extends the chain (held until the transaction ends).
const AUDIT_CHAIN_LOCK = 727_017_005;

/** Appends to the hash-chained audit log inside the caller's transaction, in one statement per call. */
@Injectable()
export class AuditWriter {
  constructor(private readonly dataSource: DataSource) {}

  async append(em: EntityManager, records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    await em.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const [last] = (await em.query('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1')) as Array<{
      hash: string;
    }>;
    const entries = chain(last?.hash ?? GENESIS_HASH, records);
    const col = <K extends keyof (typeof entries)[number]>(k: K) => entries.map((e) => e[k]);
    await em.query(
      `INSERT INTO audit_log (at, actor, action, case_id, before_hash, after_hash, reason, prev_hash, hash)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])`,
      [
        col('at'),
        col('actor'),
        col('action'),
        col('caseId'),
        col('beforeHash'),
        col('afterHash'),
        col('reason'),
        col('prevHash'),
        col('hash'),
      ],
    );
  }

  /** Verifies the whole chain, a page at a time. */
  async verify(pageSize = 5000): Promise<ChainVerdict> {
    return verifyAuditLog((after) => auditLogPage<AuditAction>(this.dataSource, after, pageSize));
  }

  async entriesFor(
    caseId: string,
  ): Promise<Array<{ seq: string; at: Date; actor: string; action: string; reason: string | null }>> {
    return (await this.dataSource.query(
      `SELECT seq, at, actor, action, reason FROM audit_log WHERE case_id = $1 ORDER BY seq`,
      [caseId],
    )) as Array<{ seq: string; at: Date; actor: string; action: string; reason: string | null }>;
  }
}

import { sha256Hex } from '@kyoyu/contracts';
import { canonicalJson } from './canonical-json';

export type AuditAction =
  | 'held'
  | 'redacted'
  | 'approved'
  | 'second-approval-required'
  | 'rejected'
  | 'expired'
  | 'reassigned'
  | 'noted'
  | 'account-changed'
  | 'customer-changed'
  | 'subscriber-changed';

/** What is recorded about one action: who, what, when, on which draft, and why. */
export interface AuditRecord {
  at: string;
  actor: string;
  action: AuditAction;
  caseId: string | null;
  beforeHash: string | null;
  afterHash: string | null;
  reason: string | null;
}

/** A record chained to the one before it: changing or removing any entry breaks every later hash. */
export interface AuditEntry extends AuditRecord {
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function entryHash(prevHash: string, r: AuditRecord): string {
  return sha256Hex(
    canonicalJson({
      prevHash,
      at: r.at,
      actor: r.actor,
      action: r.action,
      caseId: r.caseId,
      beforeHash: r.beforeHash,
      afterHash: r.afterHash,
      reason: r.reason,
    }),
  );
}

/** Chains records after `prevHash`, in order (for a multi-row insert). */
export function chain(prevHash: string, records: readonly AuditRecord[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = prevHash;
  for (const r of records) {
    const hash = entryHash(prev, r);
    out.push({ ...r, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

export type ChainVerdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; brokenAt: number; problem: 'PREV_HASH_MISMATCH' | 'HASH_MISMATCH' };

/**
 * Verifies a chain fed in order, page by page (the log can be larger than memory). `position` counts
 * entries from 1, so a broken chain names the first entry that does not follow from the one before.
 */
export class AuditChainVerifier {
  private head = GENESIS_HASH;
  private count = 0;
  private failure: Extract<ChainVerdict, { ok: false }> | undefined;

  push(entry: AuditEntry): boolean {
    if (this.failure) return false;
    this.count += 1;
    if (entry.prevHash !== this.head) {
      this.failure = { ok: false, entries: this.count, brokenAt: this.count, problem: 'PREV_HASH_MISMATCH' };
      return false;
    }
    if (entryHash(entry.prevHash, entry) !== entry.hash) {
      this.failure = { ok: false, entries: this.count, brokenAt: this.count, problem: 'HASH_MISMATCH' };
      return false;
    }
    this.head = entry.hash;
    return true;
  }

  verdict(): ChainVerdict {
    return this.failure ?? { ok: true, entries: this.count, head: this.head };
  }
}

export function verifyAuditChain(entries: Iterable<AuditEntry>): ChainVerdict {
  const v = new AuditChainVerifier();
  for (const e of entries) if (!v.push(e)) break;
  return v.verdict();
}

/**
 * Verifies a chain read page by page from storage (`readPage(afterSeq)` returns entries in order with
 * their sequence numbers; an empty page ends it). The `kyoyu` CLI and `audit:verify` both call this.
 */
export async function verifyAuditLog(
  readPage: (afterSeq: string | null) => Promise<Array<AuditEntry & { seq: string }>>,
): Promise<ChainVerdict> {
  const v = new AuditChainVerifier();
  let after: string | null = null;
  for (;;) {
    const page = await readPage(after);
    if (page.length === 0) return v.verdict();
    for (const e of page) if (!v.push(e)) return v.verdict();
    after = page[page.length - 1]?.seq ?? after;
  }
}

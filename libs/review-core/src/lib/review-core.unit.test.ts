import { approve, expire, redact, reject, type ItemSnapshot } from './state-machine';
import { fourEyesReasons } from './four-eyes';
import { GENESIS_HASH, chain, verifyAuditChain, verifyAuditLog, type AuditRecord } from './audit-chain';
import { RedactRequest, applyRedactions } from './redaction';
import { checkDraft } from './draft-check';
import { canonicalJson, draftHash } from './canonical-json';
import { ReviewError } from './errors';
import { CUSTOMER, draft } from './fixtures.test-support';

const NOW = new Date('2026-11-22T00:00:00Z');
const held = (over: Partial<ItemSnapshot> = {}): ItemSnapshot => ({
  state: 'held',
  version: 1,
  fourEyes: false,
  approvals: [],
  ...over,
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ReviewError ? e.code : 'OTHER';
  }
  return undefined;
}

describe('state machine', () => {
  it('approves a single-approval item in one step', () => {
    expect(approve(held(), 'r1', NOW).to).toBe('approved');
  });

  it('needs two different reviewers for a four-eyes item', () => {
    const first = approve(held({ fourEyes: true }), 'r1', NOW);
    expect(first.to).toBe('awaiting-second-approval');
    const waiting = held({ state: first.to, fourEyes: true, approvals: first.approvals, version: 2 });
    expect(codeOf(() => approve(waiting, 'r1', NOW))).toBe('REVIEW.SAME_REVIEWER');
    const second = approve(waiting, 'r2', NOW);
    expect(second.to).toBe('approved');
    expect(second.approvals.map((a) => a.reviewerId)).toEqual(['r1', 'r2']);
  });

  it('refuses to act on a decided item and on a stale version', () => {
    for (const state of ['approved', 'rejected', 'expired'] as const) {
      expect(codeOf(() => approve(held({ state }), 'r1', NOW))).toBe('REVIEW.ALREADY_DECIDED');
      expect(codeOf(() => reject(held({ state }), 'no'))).toBe('REVIEW.ALREADY_DECIDED');
    }
    expect(codeOf(() => approve(held({ version: 3 }), 'r1', NOW, 2))).toBe('REVIEW.VERSION_CONFLICT');
  });

  it('requires a reason to reject', () => {
    expect(codeOf(() => reject(held(), '  '))).toBe('REVIEW.REASON_REQUIRED');
    expect(reject(held(), 'victim named in title').to).toBe('rejected');
  });

  it('drops earlier approvals when the draft is redacted', () => {
    const t = redact(held({ state: 'awaiting-second-approval', approvals: [{ reviewerId: 'r1', at: 'x' }] }));
    expect(t).toEqual({ from: 'awaiting-second-approval', to: 'held', approvals: [] });
  });

  it('expires open items past their deadline and never anything else', () => {
    const past = new Date(NOW.getTime() - 1);
    expect(expire(held(), past, NOW)?.to).toBe('expired');
    expect(expire(held(), new Date(NOW.getTime() + 1000), NOW)).toBeNull();
    expect(expire(held({ state: 'approved' }), past, NOW)).toBeNull();
  });
});

describe('four-eyes rule', () => {
  const agreement = { requireFourEyes: false };
  it('applies above the risk threshold, for AMBER+STRICT and RED, and when the agreement demands it', () => {
    expect(fourEyesReasons({ risk: 40, tlp: 'amber', agreement }, 70)).toEqual([]);
    expect(fourEyesReasons({ risk: 71, tlp: 'amber', agreement }, 70)).toEqual(['RISK_ABOVE_THRESHOLD']);
    expect(fourEyesReasons({ risk: 70, tlp: 'amber+strict', agreement }, 70)).toEqual(['TLP_AMBER_STRICT']);
    expect(fourEyesReasons({ risk: 0, tlp: 'red', agreement }, 70)).toEqual(['TLP_RED']);
    expect(fourEyesReasons({ risk: 0, tlp: 'green', agreement: { requireFourEyes: true } }, 70)).toEqual([
      'AGREEMENT_REQUIRES',
    ]);
    expect(fourEyesReasons({ risk: 0, tlp: 'green', agreement: undefined }, 70)).toEqual([
      'AGREEMENT_REQUIRES',
    ]);
  });
});

describe('audit chain', () => {
  const rec = (i: number): AuditRecord => ({
    at: new Date(NOW.getTime() + i).toISOString(),
    actor: `r${i % 2}`,
    action: 'approved',
    caseId: `case-${i}`,
    beforeHash: 'a'.repeat(64),
    afterHash: 'b'.repeat(64),
    reason: null,
  });

  it('verifies an intact chain and reports its head', () => {
    const entries = chain(GENESIS_HASH, [rec(1), rec(2), rec(3)]);
    const v = verifyAuditChain(entries);
    expect(v).toEqual({ ok: true, entries: 3, head: entries[2]!.hash });
  });

  it('names the first entry that was altered, removed or reordered', () => {
    const entries = chain(GENESIS_HASH, [rec(1), rec(2), rec(3), rec(4)]);
    const altered = entries.map((e, i) => (i === 1 ? { ...e, actor: 'mallory' } : e));
    expect(verifyAuditChain(altered)).toMatchObject({ ok: false, brokenAt: 2, problem: 'HASH_MISMATCH' });
    const removed = entries.filter((_, i) => i !== 2);
    expect(verifyAuditChain(removed)).toMatchObject({
      ok: false,
      brokenAt: 3,
      problem: 'PREV_HASH_MISMATCH',
    });
  });

  it('verifies page by page', async () => {
    const entries = chain(GENESIS_HASH, [rec(1), rec(2), rec(3)]).map((e, i) => ({
      ...e,
      seq: String(i + 1),
    }));
    const pages = async (after: string | null) =>
      entries.filter((e) => Number(e.seq) > Number(after ?? 0)).slice(0, 2);
    expect(await verifyAuditLog(pages)).toMatchObject({ ok: true, entries: 3 });
  });

  it('hashes drafts independently of key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(draftHash({ a: 1, b: 2 })).toBe(draftHash({ b: 2, a: 1 }));
  });
});

describe('redaction', () => {
  it('cuts spans out of text fields and records one transformation per field', () => {
    const d = draft({ title: 'Beacon from kawasemi-bank.jp workstation' });
    const start = d.title.indexOf('kawasemi');
    const r = applyRedactions(d, [
      {
        kind: 'span',
        field: 'title',
        start,
        end: start + 'kawasemi-bank.jp'.length,
        replacement: '[redacted]',
      },
    ]);
    expect(r.draft.title).toBe('Beacon from [redacted] workstation');
    expect(d.title).toContain('kawasemi'); // the input is not mutated
    expect(r.transformations).toEqual([
      { field: 'title', class: 'reviewer', action: 'mask', rule: 'R-REVIEWER-REDACTION' },
    ]);
  });

  it('removes fields and list items', () => {
    const r = applyRedactions(draft(), [
      { kind: 'remove-item', list: 'indicators', index: 0 },
      { kind: 'remove-field', field: 'context.sector' },
    ]);
    expect(r.draft.indicators.map((i) => i.value)).toEqual(['www.cn-cdn-update.example']);
    expect(r.draft.context.sector).toBeUndefined();
  });

  it('refuses spans out of range or overlapping', () => {
    const d = draft();
    expect(
      codeOf(() =>
        applyRedactions(d, [{ kind: 'span', field: 'title', start: 0, end: 999, replacement: '' }]),
      ),
    ).toBe('REVIEW.REDACTION_INVALID');
    expect(
      codeOf(() =>
        applyRedactions(d, [
          { kind: 'span', field: 'title', start: 0, end: 5, replacement: '' },
          { kind: 'span', field: 'title', start: 3, end: 8, replacement: '' },
        ]),
      ),
    ).toBe('REVIEW.REDACTION_INVALID');
  });

  it('refuses bodies that try to set TLP, audience or state (no mass assignment)', () => {
    const base = { redactions: [{ kind: 'remove-field', field: 'description' }] };
    expect(RedactRequest.safeParse(base).success).toBe(true);
    for (const extra of [{ tlp: 'clear' }, { state: 'approved' }, { distribution: { tlp: 'clear' } }]) {
      expect(RedactRequest.safeParse({ ...base, ...extra }).success).toBe(false);
    }
    const sneaky = { redactions: [{ kind: 'span', field: 'distribution.tlp', start: 0, end: 1 }] };
    expect(RedactRequest.safeParse(sneaky).success).toBe(false);
    const nested = { redactions: [{ kind: 'remove-field', field: 'description', tlp: 'clear' }] };
    expect(RedactRequest.safeParse(nested).success).toBe(false);
  });
});

describe('draft check (engine dictionary + egress guard)', () => {
  it('passes a clean draft', () => {
    expect(checkDraft(draft(), CUSTOMER)).toEqual({ ok: true, hits: [] });
  });

  it('flags the victim in a field through both lines, naming kinds and places only', () => {
    const result = checkDraft(draft({ description: 'seen at 翡翠銀行 via mail.kawasemi-bank.jp' }), CUSTOMER);
    expect(result.ok).toBe(false);
    expect(result.hits.some((h) => h.line === 'engine' && h.where === 'description')).toBe(true);
    expect(result.hits.some((h) => h.line === 'egress-guard')).toBe(true);
    expect(JSON.stringify(result)).not.toContain('kawasemi');
  });

  it('flags a customer address hidden in an encoded view', () => {
    const b64 = Buffer.from('connect 198.18.0.5 now').toString('base64');
    const result = checkDraft(draft({ description: `payload ${b64}` }), CUSTOMER);
    expect(result.hits.some((h) => h.line === 'egress-guard')).toBe(true);
  });
});

import { Inject, Injectable } from '@nestjs/common';
import { ROOT_CONTEXT, propagation, trace } from '@opentelemetry/api';
import { DataSource, type EntityManager } from 'typeorm';
import {
  Headers,
  Topics,
  deterministicId,
  encodeEvent,
  sha256Hex,
  type HoldReason,
  type ReviewRequest,
  type SanitizedEvent,
  type Transformation,
} from '@kyoyu/contracts';
import {
  ReviewError,
  applyRedactions,
  approve as approveItem,
  checkDraft,
  checkVersion,
  isOpen,
  draftHash,
  fourEyesReasons,
  redact as redactItem,
  reject as rejectItem,
  type Approval,
  type AuditRecord,
  type ItemSnapshot,
  type Redaction,
  type ReviewState,
  type Transition,
} from '@kyoyu/review-core';
import { injectTraceContext } from '@kyoyu/messaging';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { Principal } from './auth/principal';
import { AuditWriter } from './audit.writer';
import type { ReviewConfig } from './config';
import { CustomerRegistry } from './customer-registry';
import { ItemEvents, type ItemChanged } from './item-events';

/** A held item as stored. */
const tracer = trace.getTracer('kyoyu.review');

export interface ItemRow {
  case_id: string;
  alert_id: string;
  source_org: string;
  state: ReviewState;
  draft: SanitizedEvent;
  reasons: HoldReason[];
  risk: number;
  transformations: Transformation[];
  original: { raw: string; contentType: 'json' | 'text' };
  tlp: string;
  deadline: Date;
  created_at: Date;
  decided_at: Date | null;
  correlation_id: string;
  version: number;
  four_eyes: boolean;
  four_eyes_reasons: string[];
  approvals: Approval[];
  assignee: string | null;
  decision_reason: string | null;
  /** `traceparent`/`tracestate` of the span that held the item. */
  trace_context: Record<string, string> | null;
}

export interface ListFilter {
  state?: ReviewState;
  customer?: string;
  reason?: string;
  /** Only items at least this old. */
  minAgeSeconds?: number;
  minRisk?: number;
  maxRisk?: number;
  cursor?: { createdAt: string; caseId: string };
  limit: number;
}

export interface HoldInput {
  request: ReviewRequest;
  correlationId: string;
  traceContext?: Record<string, string>;
}

const SUMMARY = `case_id, source_org, state, risk, tlp, reasons, deadline, created_at, version, four_eyes,
  approvals, assignee, draft, (draft->>'title') AS title`;

export type ItemSummary = Pick<
  ItemRow,
  | 'case_id'
  | 'source_org'
  | 'state'
  | 'risk'
  | 'tlp'
  | 'reasons'
  | 'deadline'
  | 'created_at'
  | 'version'
  | 'four_eyes'
  | 'approvals'
  | 'assignee'
  | 'draft'
> & { title: string };

function snapshot(r: ItemRow): ItemSnapshot {
  return { state: r.state, version: r.version, fourEyes: r.four_eyes, approvals: r.approvals };
}

/**
 * Held items: stored once per case however often the request arrives, listed only within a reviewer's
 * clearances, and changed only inside a transaction that locks the row, checks the version and appends
 * to the audit log — so two reviewers acting at once get one winner and one clear conflict.
 */
@Injectable()
export class ReviewRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
    private readonly customers: CustomerRegistry,
    private readonly events: ItemEvents,
    @Inject(SERVICE_CONFIG) private readonly config: ReviewConfig,
  ) {}

  /**
   * Stores a batch of review requests with one multi-row INSERT; requests already stored (at-least-once
   * delivery, or twice in one batch) are skipped. Returns, per input, whether it created the item.
   */
  async holdBatch(inputs: readonly HoldInput[], now = new Date()): Promise<boolean[]> {
    if (inputs.length === 0) return [];
    const deadline = new Date(now.getTime() + this.config.REVIEW_DEADLINE_HOURS * 3_600_000);
    // At most one registry refresh per batch, and only when a customer is not known yet.
    const orgs = [...new Set(inputs.map((i) => i.request.sourceOrg))];
    if (orgs.some((o) => !this.customers.cached(o))) await this.customers.refreshed();
    const fourEyes = inputs.map(({ request: r }) =>
      fourEyesReasons(
        {
          risk: r.risk,
          tlp: r.draft.distribution.tlp,
          agreement: this.customers.cached(r.sourceOrg)?.agreement,
        },
        this.config.REVIEW_FOUR_EYES_RISK,
      ),
    );
    // Hashed before the transaction, so the row locks and the audit chain's lock are held briefly.
    const hashes = new Map(inputs.map((i) => [i.request.caseId, draftHash(i.request.draft)]));
    const at = now.toISOString();
    const created = await this.dataSource.transaction(async (em) => {
      const col = <T>(f: (i: HoldInput, n: number) => T) => inputs.map(f);
      const rows = (await em.query(
        `INSERT INTO review_items (case_id, alert_id, source_org, state, draft, reasons, risk, transformations,
           original, tlp, deadline, created_at, version, correlation_id, four_eyes, four_eyes_reasons, reason_codes,
           trace_context)
         SELECT u.case_id, u.alert_id, u.source_org, 'held', u.draft, u.reasons, u.risk, u.transformations,
           u.original, u.tlp, $10, $11, 1, u.correlation_id, jsonb_array_length(u.four_eyes_reasons) > 0,
           u.four_eyes_reasons, ARRAY(SELECT jsonb_array_elements(u.reasons)->>'code'), u.trace_context
         FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::real[], $7::jsonb[],
           $8::jsonb[], $9::text[], $12::text[], $13::jsonb[], $14::jsonb[])
           AS u(case_id, alert_id, source_org, draft, reasons, risk, transformations, original, tlp, correlation_id,
             four_eyes_reasons, trace_context)
         ON CONFLICT DO NOTHING RETURNING case_id, source_org`,
        [
          col((i) => i.request.caseId),
          col((i) => i.request.alertId),
          col((i) => i.request.sourceOrg),
          col((i) => JSON.stringify(i.request.draft)),
          col((i) => JSON.stringify(i.request.reasons)),
          col((i) => i.request.risk),
          col((i) => JSON.stringify(i.request.transformations)),
          col((i) => JSON.stringify(i.request.original)),
          col((i) => i.request.draft.distribution.tlp),
          deadline,
          now,
          col((i) => i.correlationId),
          col((_, n) => JSON.stringify(fourEyes[n])),
          col((i) => (i.traceContext ? JSON.stringify(i.traceContext) : null)),
        ],
      )) as Array<{ case_id: string; source_org: string }>;
      await this.audit.append(
        em,
        rows.map((r) => ({
          at,
          actor: 'system',
          action: 'held' as const,
          caseId: r.case_id,
          beforeHash: null,
          afterHash: hashes.get(r.case_id) ?? null,
          reason: null,
        })),
      );
      return rows;
    });
    this.events.publish(created.map((r) => ({ caseId: r.case_id, customer: r.source_org, state: 'held' })));
    const createdIds = new Set(created.map((r) => r.case_id));
    // The first of duplicates in one batch counts as the creator.
    return inputs.map((i) => createdIds.delete(i.request.caseId));
  }

  async list(p: Principal, f: ListFilter): Promise<{ items: ItemSummary[]; nextCursor: string | null }> {
    const where: string[] = ['source_org = ANY($1)'];
    const args: unknown[] = [[...p.clearances]];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (f.state) add('state = ?', f.state);
    if (f.customer) add('source_org = ?', f.customer);
    if (f.reason) add('reason_codes @> ARRAY[?]::text[]', f.reason);
    if (f.minAgeSeconds !== undefined) add(`created_at <= now() - make_interval(secs => ?)`, f.minAgeSeconds);
    if (f.minRisk !== undefined) add('risk >= ?', f.minRisk);
    if (f.maxRisk !== undefined) add('risk <= ?', f.maxRisk);
    if (f.cursor) {
      args.push(f.cursor.createdAt, f.cursor.caseId);
      where.push(`(created_at, case_id) > ($${args.length - 1}::timestamptz, $${args.length})`);
    }
    args.push(f.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT ${SUMMARY} FROM review_items WHERE ${where.join(' AND ')}
       ORDER BY created_at, case_id LIMIT $${args.length}`,
      args,
    )) as ItemSummary[];
    const more = rows.length > f.limit;
    const items = more ? rows.slice(0, f.limit) : rows;
    const last = items[items.length - 1];
    const nextCursor =
      more && last
        ? Buffer.from(
            JSON.stringify({ createdAt: last.created_at.toISOString(), caseId: last.case_id }),
          ).toString('base64url')
        : null;
    return { items, nextCursor };
  }

  /** Items per state and the oldest open item's age, within the principal's clearances. */
  async counts(
    p: Principal,
    customer?: string,
  ): Promise<Record<ReviewState, number> & { oldestOpenAgeSeconds: number | null }> {
    const rows = (await this.dataSource.query(
      `SELECT state, count(*)::int AS n,
         extract(epoch FROM now() - min(created_at) FILTER (WHERE state IN ('held','awaiting-second-approval'))) AS oldest
       FROM review_items WHERE source_org = ANY($1) AND ($2::text IS NULL OR source_org = $2) GROUP BY state`,
      [[...p.clearances], customer ?? null],
    )) as Array<{ state: ReviewState; n: number; oldest: number | null }>;
    const out = {
      held: 0,
      'awaiting-second-approval': 0,
      approved: 0,
      rejected: 0,
      expired: 0,
      oldestOpenAgeSeconds: null as number | null,
    };
    for (const r of rows) {
      out[r.state] = r.n;
      if (r.oldest !== null)
        out.oldestOpenAgeSeconds = Math.max(out.oldestOpenAgeSeconds ?? 0, Math.round(Number(r.oldest)));
    }
    return out;
  }

  /** Open items whose deadline falls within the next `withinSeconds`. */
  async expiring(p: Principal, withinSeconds: number, limit: number): Promise<ItemSummary[]> {
    return (await this.dataSource.query(
      `SELECT ${SUMMARY} FROM review_items
       WHERE source_org = ANY($1) AND state IN ('held','awaiting-second-approval')
         AND deadline <= now() + make_interval(secs => $2)
       ORDER BY deadline, case_id LIMIT $3`,
      [[...p.clearances], withinSeconds, limit],
    )) as ItemSummary[];
  }

  /** One item, or null when it does not exist or the principal is not cleared for its customer. */
  async get(p: Principal, caseId: string): Promise<ItemRow | null> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM review_items WHERE case_id = $1 AND source_org = ANY($2)`,
      [caseId, [...p.clearances]],
    )) as ItemRow[];
    return rows[0] ?? null;
  }

  async notes(
    caseId: string,
  ): Promise<Array<{ id: string; author_id: string; body: string; created_at: Date }>> {
    return (await this.dataSource.query(
      'SELECT id, author_id, body, created_at FROM review_notes WHERE case_id = $1 ORDER BY id',
      [caseId],
    )) as Array<{ id: string; author_id: string; body: string; created_at: Date }>;
  }

  /**
   * One reviewer's approval. The draft must pass the engine's dictionary and the egress guard again;
   * the final approval writes the release to the outbox in the same transaction.
   */
  async approve(p: Principal, caseId: string, expectedVersion?: number, now = new Date()): Promise<ItemRow> {
    return this.mutate(p, caseId, async (row, em) => {
      const t = approveItem(snapshot(row), p.accountId, now, expectedVersion);
      await this.requireClean(row.source_org, row.draft);
      if (t.to === 'approved') await this.writeRelease(em, row, now);
      return {
        transition: t,
        set: { approvals: t.approvals, decided_at: t.to === 'approved' ? now : null },
        audit: {
          action: t.to === 'approved' ? 'approved' : 'second-approval-required',
          beforeHash: draftHash(row.draft),
          afterHash: draftHash(row.draft),
          reason: null,
        },
      };
    });
  }

  async reject(
    p: Principal,
    caseId: string,
    reason: string,
    expectedVersion?: number,
    now = new Date(),
  ): Promise<ItemRow> {
    return this.mutate(p, caseId, async (row) => {
      const t = rejectItem(snapshot(row), reason, expectedVersion);
      return {
        transition: t,
        set: { decided_at: now, decision_reason: reason },
        audit: { action: 'rejected', beforeHash: draftHash(row.draft), afterHash: null, reason },
      };
    });
  }

  /** Applies a reviewer's edits; the edited draft must pass both lines, and earlier approvals lapse. */
  async redact(
    p: Principal,
    caseId: string,
    redactions: readonly Redaction[],
    reason: string | undefined,
    expectedVersion?: number,
  ): Promise<ItemRow> {
    return this.mutate(p, caseId, async (row) => {
      const t = redactItem(snapshot(row), expectedVersion);
      const edited = applyRedactions(row.draft, redactions);
      await this.requireClean(row.source_org, edited.draft);
      return {
        transition: t,
        set: {
          draft: edited.draft,
          transformations: [...row.transformations, ...edited.transformations],
          approvals: [],
        },
        audit: {
          action: 'redacted',
          beforeHash: draftHash(row.draft),
          afterHash: draftHash(edited.draft),
          reason: reason ?? null,
        },
      };
    });
  }

  async reassign(
    p: Principal,
    caseId: string,
    assignee: string | null,
    expectedVersion?: number,
  ): Promise<ItemRow> {
    return this.mutate(p, caseId, async (row, em) => {
      if (assignee !== null) {
        const ok = (await em.query(
          `SELECT 1 FROM review_accounts WHERE id = $1 AND active AND role = 'reviewer' AND $2 = ANY(clearances)`,
          [assignee, row.source_org],
        )) as unknown[];
        if (!ok.length) {
          throw new ReviewError(
            'REVIEW.ASSIGNEE_INVALID',
            'the assignee must be an active reviewer cleared for this item',
          );
        }
      }
      const snap = snapshot(row);
      if (!isOpen(snap.state))
        throw new ReviewError('REVIEW.ALREADY_DECIDED', 'the item has already been decided');
      checkVersion(snap, expectedVersion);
      const t: Transition = { from: row.state, to: row.state, approvals: row.approvals };
      return {
        transition: t,
        set: { assignee },
        audit: {
          action: 'reassigned',
          beforeHash: null,
          afterHash: null,
          reason: assignee ? `to ${assignee}` : 'unassigned',
        },
      };
    });
  }

  async addNote(p: Principal, caseId: string, body: string, now = new Date()): Promise<{ id: string }> {
    return this.dataSource.transaction(async (em) => {
      const rows = (await em.query(
        `INSERT INTO review_notes (case_id, author_id, body, created_at)
         SELECT case_id, $3, $4, $5 FROM review_items WHERE case_id = $1 AND source_org = ANY($2) RETURNING id`,
        [caseId, [...p.clearances], p.accountId, body, now],
      )) as Array<{ id: string }>;
      const row = rows[0];
      if (!row) throw new ReviewError('REVIEW.NOT_FOUND', 'no such item');
      await this.audit.append(em, [
        {
          at: now.toISOString(),
          actor: p.accountId,
          action: 'noted',
          caseId,
          beforeHash: null,
          afterHash: sha256Hex(body),
          reason: null,
        },
      ]);
      return row;
    });
  }

  /** Expires open items past their deadline (recorded, never released). Returns how many. */
  async expireDue(now = new Date(), batch = 1000): Promise<number> {
    const expired = await this.dataSource.transaction(async (em) => {
      const rows = (await em.query(
        `UPDATE review_items SET state = 'expired', decided_at = $1, version = version + 1
         WHERE case_id IN (
           SELECT case_id FROM review_items WHERE state IN ('held','awaiting-second-approval') AND deadline <= $1
           ORDER BY deadline LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING case_id, source_org, draft, deadline, state`,
        [now, batch],
      )) as [Array<{ case_id: string; source_org: string; draft: SanitizedEvent }>, number];
      const list = rows[0];
      await this.audit.append(
        em,
        list.map((r) => ({
          at: now.toISOString(),
          actor: 'system',
          action: 'expired' as const,
          caseId: r.case_id,
          beforeHash: draftHash(r.draft),
          afterHash: null,
          reason: 'deadline passed',
        })),
      );
      return list;
    });
    this.events.publish(
      expired.map((r) => ({ caseId: r.case_id, customer: r.source_org, state: 'expired' })),
    );
    return expired.length;
  }

  private async requireClean(customerId: string, draft: SanitizedEvent): Promise<void> {
    const customer = await this.customers.get(customerId);
    if (!customer) {
      throw new ReviewError(
        'REVIEW.CUSTOMER_UNREGISTERED',
        'the customer is no longer registered; the draft cannot be checked',
      );
    }
    const check = checkDraft(draft, customer);
    if (!check.ok) {
      throw new ReviewError('REVIEW.REDACTION_INSUFFICIENT', 'the draft still identifies the victim', {
        hits: check.hits,
      });
    }
  }

  private async writeRelease(em: EntityManager, row: ItemRow, now: Date): Promise<void> {
    const event = row.draft;
    // The release continues the alert's trace: a span for the decision, parented on the held item's span,
    // whose context the outbox relay hands on to fan-out.
    const parent = row.trace_context ? propagation.extract(ROOT_CONTEXT, row.trace_context) : ROOT_CONTEXT;
    const span = tracer.startSpan('review release', { attributes: { 'kyoyu.outcome': 'approved' } }, parent);
    const traceHeaders = injectTraceContext({}, trace.setSpan(parent, span));
    span.end();
    const value = encodeEvent(Topics.EventsReleased, {
      id: deterministicId('released', event.eventId),
      type: 'EventReleased',
      schemaVersion: 1,
      correlationId: row.correlation_id,
      occurredAt: now.toISOString(),
      data: { event, route: 'review', releasedAt: now.toISOString() },
    });
    await em.query(
      `INSERT INTO outbox (aggregate_type, aggregate_id, type, payload, headers, created_at)
       VALUES ($1, $2, 'EventReleased', $3, $4, $5)`,
      [
        Topics.EventsReleased,
        event.eventId,
        value.toString('utf8'),
        JSON.stringify({
          ...traceHeaders,
          [Headers.EventType]: 'EventReleased',
          [Headers.CorrelationId]: row.correlation_id,
        }),
        now,
      ],
    );
  }

  /** Locks the row (within the principal's clearances), applies one change, bumps the version, audits it. */
  private async mutate(
    p: Principal,
    caseId: string,
    change: (
      row: ItemRow,
      em: EntityManager,
    ) => Promise<{
      transition: Transition;
      set: Partial<Record<keyof ItemRow, unknown>>;
      audit: Pick<AuditRecord, 'action' | 'beforeHash' | 'afterHash' | 'reason'>;
    }>,
    now = new Date(),
  ): Promise<ItemRow> {
    const updated = await this.dataSource.transaction(async (em) => {
      const rows = (await em.query(
        `SELECT * FROM review_items WHERE case_id = $1 AND source_org = ANY($2) FOR UPDATE`,
        [caseId, [...p.clearances]],
      )) as ItemRow[];
      const row = rows[0];
      if (!row) throw new ReviewError('REVIEW.NOT_FOUND', 'no such item');
      const { transition, set, audit } = await change(row, em);
      const assignments = ['state = $2', 'version = version + 1'];
      const args: unknown[] = [caseId, transition.to];
      for (const [k, v] of Object.entries(set)) {
        args.push(v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v);
        assignments.push(`${k} = $${args.length}`);
      }
      const [next] = (
        (await em.query(
          `UPDATE review_items SET ${assignments.join(', ')} WHERE case_id = $1 RETURNING *`,
          args,
        )) as [ItemRow[], number]
      )[0];
      await this.audit.append(em, [{ at: now.toISOString(), actor: p.accountId, caseId, ...audit }]);
      return next as ItemRow;
    });
    const changed: ItemChanged = { caseId, customer: updated.source_org, state: updated.state };
    this.events.publish([changed]);
    return updated;
  }
}

import { Body, Controller, Get, HttpCode, Param, Post, Query, Sse, type MessageEvent } from '@nestjs/common';
import { filter, map, merge, interval, type Observable } from 'rxjs';
import { z } from 'zod';
import { CustomerRegistry } from './customer-registry';
import { RedactRequest, REVIEW_STATES, victimSpans } from '@kyoyu/review-core';
import { AuditWriter } from './audit.writer';
import { CurrentPrincipal, Roles, type Principal } from './auth/principal';
import { domain, notFound, parseBody } from './http-errors';
import { ItemEvents } from './item-events';
import { OutboxRelay } from './outbox.relay';
import { ReviewMetrics } from './review-metrics';
import { ReviewRepository, type ItemRow, type ItemSummary } from './review.repository';

const num = (min: number, max: number) => z.coerce.number().min(min).max(max).optional();

export const ListQuery = z.strictObject({
  state: z.enum(REVIEW_STATES as [string, ...string[]]).optional(),
  customer: z.string().max(63).optional(),
  reason: z.string().max(64).optional(),
  minAgeSeconds: num(0, 10 * 365 * 86_400),
  minRisk: num(0, 100),
  maxRisk: num(0, 100),
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const Cursor = z.object({ createdAt: z.iso.datetime(), caseId: z.string().max(200) });
const Version = z.number().int().min(1).optional();
export const ApproveRequest = z.strictObject({ version: Version });
export const RejectRequest = z.strictObject({ reason: z.string().trim().min(1).max(2000), version: Version });
export const ReassignRequest = z.strictObject({ assignee: z.string().max(100).nullable(), version: Version });
export const NoteRequest = z.strictObject({ body: z.string().trim().min(1).max(5000) });

/**
 * The reviewer API (role `reviewer`). Every query is confined to the customers the reviewer is cleared
 * for: an item of another customer is answered exactly like one that does not exist (404).
 */
@Controller('review')
@Roles('reviewer')
export class ReviewItemsController {
  constructor(
    private readonly repo: ReviewRepository,
    private readonly relay: OutboxRelay,
    private readonly events: ItemEvents,
    private readonly audit: AuditWriter,
    private readonly customers: CustomerRegistry,
    private readonly metrics: ReviewMetrics,
  ) {}

  @Get('items')
  async list(@CurrentPrincipal() p: Principal, @Query() query: unknown) {
    const q = parseBody(ListQuery, query);
    let cursor: z.infer<typeof Cursor> | undefined;
    if (q.cursor) {
      try {
        cursor = Cursor.parse(JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')));
      } catch {
        parseBody(z.never(), q.cursor);
      }
    }
    const { items, nextCursor } = await this.repo.list(p, {
      state: q.state as ItemRow['state'] | undefined,
      customer: q.customer,
      reason: q.reason,
      minAgeSeconds: q.minAgeSeconds,
      minRisk: q.minRisk,
      maxRisk: q.maxRisk,
      cursor,
      limit: q.limit,
    });
    const counts = await this.repo.counts(p, q.customer);
    return { items: items.map(summaryView), nextCursor, counts };
  }

  @Get('expiring')
  async expiring(@CurrentPrincipal() p: Principal, @Query('withinSeconds') within = '3600') {
    const seconds = parseBody(
      z.coerce
        .number()
        .int()
        .min(0)
        .max(30 * 86_400),
      within,
    );
    return { items: (await this.repo.expiring(p, seconds, 500)).map(summaryView) };
  }

  @Get('items/:caseId')
  async get(@CurrentPrincipal() p: Principal, @Param('caseId') caseId: string) {
    const item = await this.repo.get(p, caseId);
    if (!item) throw notFound();
    const customer = await this.customers.get(item.source_org);
    return {
      ...detailView(item),
      original: { ...item.original, victimSpans: victimSpans(item.original.raw, customer) },
      notes: (await this.repo.notes(caseId)).map((n) => ({
        id: n.id,
        author: n.author_id,
        body: n.body,
        createdAt: n.created_at,
      })),
      history: (await this.audit.entriesFor(caseId)).map((e) => ({
        at: e.at,
        actor: e.actor,
        action: e.action,
        reason: e.reason,
      })),
    };
  }

  @Post('items/:caseId/approve')
  @HttpCode(200)
  async approve(@CurrentPrincipal() p: Principal, @Param('caseId') caseId: string, @Body() body: unknown) {
    const { version } = parseBody(ApproveRequest, body);
    const item = await domain(() => this.repo.approve(p, caseId, version));
    this.metrics.decided(p.accountId, item.state === 'approved' ? 'approved' : 'first-approval');
    if (item.state === 'approved') this.relay.kick();
    return detailView(item);
  }

  @Post('items/:caseId/reject')
  @HttpCode(200)
  async reject(@CurrentPrincipal() p: Principal, @Param('caseId') caseId: string, @Body() body: unknown) {
    const { reason, version } = parseBody(RejectRequest, body);
    const item = await domain(() => this.repo.reject(p, caseId, reason, version));
    this.metrics.decided(p.accountId, 'rejected');
    return detailView(item);
  }

  @Post('items/:caseId/redact')
  @HttpCode(200)
  async redact(@CurrentPrincipal() p: Principal, @Param('caseId') caseId: string, @Body() body: unknown) {
    const req = parseBody(RedactRequest, body);
    const item = await domain(() => this.repo.redact(p, caseId, req.redactions, req.reason, req.version));
    this.metrics.decided(p.accountId, 'redacted');
    return detailView(item);
  }

  @Post('items/:caseId/reassign')
  @HttpCode(200)
  async reassign(@CurrentPrincipal() p: Principal, @Param('caseId') caseId: string, @Body() body: unknown) {
    const { assignee, version } = parseBody(ReassignRequest, body);
    return detailView(await domain(() => this.repo.reassign(p, caseId, assignee, version)));
  }

  @Post('items/:caseId/notes')
  @HttpCode(201)
  async note(@CurrentPrincipal() p: Principal, @Param('caseId') caseId: string, @Body() body: unknown) {
    const { body: text } = parseBody(NoteRequest, body);
    return domain(() => this.repo.addNote(p, caseId, text));
  }

  /** Live updates for the console: ids and states of items the reviewer is cleared for, never content. */
  @Sse('events')
  live(@CurrentPrincipal() p: Principal): Observable<MessageEvent> {
    const changes = this.events.changes.pipe(
      filter((c) => p.clearances.has(c.customer)),
      map((c): MessageEvent => ({ type: 'item', data: { caseId: c.caseId, state: c.state } })),
    );
    // A comment-like heartbeat keeps proxies from closing an idle stream.
    const heartbeat = interval(25_000).pipe(map((): MessageEvent => ({ type: 'ping', data: {} })));
    return merge(changes, heartbeat);
  }
}

export function summaryView(s: ItemSummary) {
  return {
    caseId: s.case_id,
    customer: s.source_org,
    state: s.state,
    title: s.title,
    draft: s.draft,
    risk: s.risk,
    tlp: s.tlp,
    reasons: s.reasons.map((r) => r.code),
    fourEyes: s.four_eyes,
    approvals: s.approvals.length,
    assignee: s.assignee,
    deadline: s.deadline,
    createdAt: s.created_at,
    ageSeconds: Math.max(0, Math.round((Date.now() - new Date(s.created_at).getTime()) / 1000)),
    version: s.version,
  };
}

export function detailView(item: ItemRow) {
  return {
    caseId: item.case_id,
    customer: item.source_org,
    state: item.state,
    risk: item.risk,
    reasons: item.reasons,
    tlp: item.tlp,
    deadline: item.deadline,
    createdAt: item.created_at,
    decidedAt: item.decided_at,
    draft: item.draft,
    transformations: item.transformations,
    fourEyes: item.four_eyes,
    fourEyesReasons: item.four_eyes_reasons,
    approvals: item.approvals,
    assignee: item.assignee,
    decisionReason: item.decision_reason,
    version: item.version,
  };
}

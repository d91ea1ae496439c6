import { Topics, type AlertRejectedEvent } from '@kyoyu/contracts';
import { AUTO_CUSTOMER, REVIEW_CUSTOMER } from './fixtures';
import {
  createReviewer,
  eventually,
  reviewRequest,
  sendReviewRequests,
  startReviewHarness,
  waitForItem,
  type ReviewHarness,
  type Reviewer,
} from './review-harness';

let h: ReviewHarness;
let alice: Reviewer;
let bob: Reviewer;
let carol: Reviewer;

beforeAll(async () => {
  h = await startReviewHarness();
  alice = await createReviewer(h, 'alice', [REVIEW_CUSTOMER.id]);
  bob = await createReviewer(h, 'bob', [REVIEW_CUSTOMER.id]);
  carol = await createReviewer(h, 'carol', [AUTO_CUSTOMER.id]);
});

afterAll(async () => {
  await h?.close();
});

async function call(method: string, path: string, auth: Record<string, string>, body?: unknown) {
  const res = await fetch(`${h.review.url}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    headers: res.headers,
  };
}

async function held(
  over: Parameters<typeof reviewRequest>[0] = {},
  req: Parameters<typeof reviewRequest>[1] = {},
) {
  const r = reviewRequest(over, req);
  await sendReviewRequests(h.producer, [r]);
  await waitForItem(h, r.sourceOrg === AUTO_CUSTOMER.id ? carol : alice, r.caseId);
  return r;
}

async function count(sql: string, args: unknown[]): Promise<number> {
  const [row] = (await h.db.query(sql, args)) as Array<{ n: number }>;
  return Number(row?.n ?? 0);
}

describe('holding review requests', () => {
  it('stores a request delivered twice (at-least-once) as one item with one audit entry', async () => {
    const r = reviewRequest();
    await sendReviewRequests(h.producer, [r, r]);
    await waitForItem(h, alice, r.caseId);
    await sendReviewRequests(h.producer, [r]);
    const marker = reviewRequest();
    await sendReviewRequests(h.producer, [marker]);
    await waitForItem(h, alice, marker.caseId); // same partition, so the repeat was consumed before it
    expect(await count('SELECT count(*)::int AS n FROM review_items WHERE case_id = $1', [r.caseId])).toBe(1);
    expect(
      await count(`SELECT count(*)::int AS n FROM audit_log WHERE case_id = $1 AND action = 'held'`, [
        r.caseId,
      ]),
    ).toBe(1);
  });

  it('rejects a malformed review request with a reason and keeps consuming', async () => {
    await h.producer.send({
      topic: Topics.ReviewRequested,
      acks: -1,
      messages: [{ key: REVIEW_CUSTOMER.id, value: '{"id":"bad","type":"ReviewRequested"}' }],
    });
    const [rejected] = await h.reader.waitFor(
      (m) => m.topic === Topics.AlertsRejected && m.value.includes('"stage":"review"'),
    );
    const event = JSON.parse(rejected!.value) as AlertRejectedEvent;
    expect(event.data.reason).toBe('INVALID_EVENT');
    await held(); // still consuming
  });
});

describe('roles and clearances on every route', () => {
  let caseId: string;
  beforeAll(async () => {
    caseId = (await held()).caseId;
  });

  const reviewerRoutes = (id: string): Array<[string, string, unknown?]> => [
    ['GET', '/review/items'],
    ['GET', '/review/expiring'],
    ['GET', `/review/items/${id}`],
    ['POST', `/review/items/${id}/notes`, { body: 'looks fine' }],
    ['POST', `/review/items/${id}/reassign`, { assignee: null }],
    [
      'POST',
      `/review/items/${id}/redact`,
      { redactions: [{ kind: 'remove-field', field: 'context.country' }] },
    ],
    ['POST', `/review/items/${id}/reject`, { reason: 'x' }],
    ['POST', `/review/items/${id}/approve`, {}],
  ];
  const adminRoutes: Array<[string, string, unknown?]> = [
    ['GET', '/admin/accounts'],
    ['POST', '/admin/accounts', { username: 'zed' }],
    ['PATCH', '/admin/accounts/none', {}],
    ['POST', '/admin/accounts/none/tokens', { name: 'x' }],
    ['GET', '/admin/customers'],
    ['GET', `/admin/customers/${REVIEW_CUSTOMER.id}`],
    ['PUT', `/admin/customers/${REVIEW_CUSTOMER.id}`, {}],
    ['POST', `/admin/customers/none/deactivate`],
    ['GET', '/admin/subscribers'],
    ['GET', '/admin/subscribers/jp-isac'],
    ['PUT', '/admin/subscribers/jp-isac', {}],
    ['POST', '/admin/subscribers/none/deactivate'],
    ['GET', '/admin/audit/verify'],
    ['GET', '/admin/queue'],
  ];

  it('refuses every reviewer and admin route without credentials (401) or with a bad token (401)', async () => {
    for (const [m, p, b] of [...reviewerRoutes(caseId), ...adminRoutes]) {
      expect([m, p, (await call(m, p, {}, b)).status]).toEqual([m, p, 401]);
      expect([m, p, (await call(m, p, { authorization: 'Bearer nope' }, b)).status]).toEqual([m, p, 401]);
    }
  });

  it('refuses admin routes to reviewers and reviewer routes to admins (403)', async () => {
    for (const [m, p, b] of adminRoutes)
      expect([m, p, (await call(m, p, alice.auth, b)).status]).toEqual([m, p, 403]);
    for (const [m, p, b] of reviewerRoutes(caseId)) {
      expect([m, p, (await call(m, p, h.adminAuth, b)).status]).toEqual([m, p, 403]);
    }
  });

  it("answers 404 to a reviewer not cleared for the item's customer, on every item route, and lists nothing of it", async () => {
    for (const [m, p, b] of reviewerRoutes(caseId).slice(2)) {
      const r = await call(m, p, carol.auth, b);
      expect([m, p, r.status, r.body['code']]).toEqual([m, p, 404, 'REVIEW.NOT_FOUND']);
    }
    const list = await call('GET', '/review/items?state=held&limit=500', carol.auth);
    expect(JSON.stringify(list.body)).not.toContain(caseId);
    expect(JSON.stringify(list.body)).not.toContain(REVIEW_CUSTOMER.id);
    const filtered = await call('GET', `/review/items?customer=${REVIEW_CUSTOMER.id}`, carol.auth);
    expect(filtered.body['items']).toEqual([]);
    // The item is untouched by all of that.
    const [row] = (await h.db.query('SELECT state, version FROM review_items WHERE case_id = $1', [
      caseId,
    ])) as Array<{
      state: string;
      version: number;
    }>;
    expect(row).toEqual({ state: 'held', version: 1 });
  });

  it('lets the cleared reviewer use every item route', async () => {
    const own = (await held()).caseId;
    const expected = [200, 200, 200, 201, 200, 200, 200];
    const routes = reviewerRoutes(own).slice(0, 7);
    for (const [i, [m, p, b]] of routes.entries()) {
      expect([m, p, (await call(m, p, alice.auth, b)).status]).toEqual([m, p, expected[i]]);
    }
  });
});

describe('decisions', () => {
  it('approves a low-risk item with one reviewer and publishes it through the outbox once', async () => {
    const r = await held();
    const res = await call('POST', `/review/items/${r.caseId}/approve`, alice.auth, { version: 1 });
    expect(res.status).toBe(200);
    expect(res.body['state']).toBe('approved');
    const [released] = await h.reader.waitFor(
      (m) => m.topic === Topics.EventsReleased && m.value.includes(r.draft.eventId),
    );
    expect(JSON.parse(released!.value)).toMatchObject({
      data: { route: 'review', event: { caseId: r.caseId } },
    });
    const again = await call('POST', `/review/items/${r.caseId}/approve`, bob.auth, {});
    expect([again.status, again.body['code']]).toEqual([409, 'REVIEW.ALREADY_DECIDED']);
    expect(
      await count('SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1', [r.draft.eventId]),
    ).toBe(1);
  });

  it('needs two different reviewers for a high-risk item, and for TLP AMBER+STRICT and RED', async () => {
    const items = [
      await held({}, { risk: 85 }),
      await held({ distribution: { tlp: 'amber+strict', audience: { kind: 'all' }, agreementVersion: 1 } }),
      await held({ distribution: { tlp: 'red', audience: { kind: 'all' }, agreementVersion: 1 } }),
    ];
    for (const r of items) {
      const first = await call('POST', `/review/items/${r.caseId}/approve`, alice.auth, {});
      expect([first.status, first.body['state']]).toEqual([200, 'awaiting-second-approval']);
      const same = await call('POST', `/review/items/${r.caseId}/approve`, alice.auth, {});
      expect([same.status, same.body['code']]).toEqual([409, 'REVIEW.SAME_REVIEWER']);
      expect(
        await count('SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1', [r.draft.eventId]),
      ).toBe(0);
      const second = await call('POST', `/review/items/${r.caseId}/approve`, bob.auth, {});
      expect([second.status, second.body['state']]).toEqual([200, 'approved']);
      expect((second.body['approvals'] as Array<{ reviewerId: string }>).map((a) => a.reviewerId)).toEqual([
        alice.id,
        bob.id,
      ]);
    }
  });

  it('lets exactly one of two reviewers acting at once win; the other gets a clear conflict', async () => {
    const r = await held();
    const [a, b] = await Promise.all([
      call('POST', `/review/items/${r.caseId}/approve`, alice.auth, { version: 1 }),
      call('POST', `/review/items/${r.caseId}/reject`, bob.auth, { reason: 'not shareable', version: 1 }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(['REVIEW.VERSION_CONFLICT', 'REVIEW.ALREADY_DECIDED']).toContain(loser.body['code']);
  });

  it('rejects only with a reason, and records it', async () => {
    const r = await held();
    const none = await call('POST', `/review/items/${r.caseId}/reject`, alice.auth, {});
    expect([none.status, none.body['code']]).toEqual([400, 'REQUEST.INVALID']);
    const ok = await call('POST', `/review/items/${r.caseId}/reject`, alice.auth, {
      reason: 'names the victim',
    });
    expect([ok.status, ok.body['state'], ok.body['decisionReason']]).toEqual([
      200,
      'rejected',
      'names the victim',
    ]);
  });

  it('refuses a stale version with REVIEW.VERSION_CONFLICT', async () => {
    const r = await held();
    await call('POST', `/review/items/${r.caseId}/notes`, alice.auth, { body: 'n' }); // notes do not bump
    await call('POST', `/review/items/${r.caseId}/reassign`, alice.auth, { assignee: bob.id });
    const stale = await call('POST', `/review/items/${r.caseId}/approve`, alice.auth, { version: 1 });
    expect([stale.status, stale.body['code']]).toEqual([409, 'REVIEW.VERSION_CONFLICT']);
    const bad = await call('POST', `/review/items/${r.caseId}/reassign`, alice.auth, { assignee: carol.id });
    expect([bad.status, bad.body['code']]).toEqual([400, 'REVIEW.ASSIGNEE_INVALID']);
  });
});

describe('redaction', () => {
  it('applies a span redaction, re-checks the draft and resets earlier approvals', async () => {
    const r = await held({ title: 'Beacon from workstation PC-OSAKA-0231 to C2' }, { risk: 90 });
    await call('POST', `/review/items/${r.caseId}/approve`, alice.auth, {});
    const start = r.draft.title.indexOf('PC-OSAKA-0231');
    const res = await call('POST', `/review/items/${r.caseId}/redact`, bob.auth, {
      redactions: [{ kind: 'span', field: 'title', start, end: start + 13 }],
      version: 2,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'held',
      approvals: [],
      draft: { title: 'Beacon from workstation [redacted] to C2' },
    });
    const [audit] = (await h.db.query(
      `SELECT before_hash, after_hash FROM audit_log WHERE case_id = $1 AND action = 'redacted'`,
      [r.caseId],
    )) as Array<{ before_hash: string; after_hash: string }>;
    expect(audit!.before_hash).not.toBe(audit!.after_hash);
  });

  it('refuses an edited draft that still identifies the victim (engine and egress guard), changing nothing', async () => {
    const r = await held();
    const res = await call('POST', `/review/items/${r.caseId}/redact`, alice.auth, {
      redactions: [{ kind: 'span', field: 'title', start: 0, end: 8, replacement: 'kawasemi-bank.jp' }],
    });
    expect([res.status, res.body['code']]).toEqual([422, 'REVIEW.REDACTION_INSUFFICIENT']);
    const lines = new Set((res.body['hits'] as Array<{ line: string }>).map((x) => x.line));
    expect(lines).toEqual(new Set(['engine', 'egress-guard']));
    expect(JSON.stringify(res.body)).not.toContain('kawasemi-bank.jp');
    const [row] = (await h.db.query(
      'SELECT draft->>$2 AS title, version FROM review_items WHERE case_id = $1',
      [r.caseId, 'title'],
    )) as Array<{ title: string; version: number }>;
    expect(row).toEqual({ title: r.draft.title, version: 1 });
  });

  it('cannot set TLP, audience, state or the event id through a redaction body (mass assignment)', async () => {
    const r = await held();
    const ok = { kind: 'remove-field', field: 'context.country' };
    for (const body of [
      { redactions: [ok], tlp: 'clear' },
      { redactions: [ok], state: 'approved' },
      { redactions: [ok], distribution: { tlp: 'clear', audience: { kind: 'all' } } },
      { redactions: [{ ...ok, audience: { kind: 'all' } }] },
      { redactions: [{ kind: 'span', field: 'distribution.tlp', start: 0, end: 3 }] },
      { redactions: [{ kind: 'replace', field: 'eventId', value: 'x' }] },
    ]) {
      const res = await call('POST', `/review/items/${r.caseId}/redact`, alice.auth, body);
      expect([res.status, res.body['code']]).toEqual([400, 'REQUEST.INVALID']);
    }
    const [row] = (await h.db.query(
      `SELECT state, tlp, draft->'distribution'->>'tlp' AS dtlp, version FROM review_items WHERE case_id = $1`,
      [r.caseId],
    )) as Array<Record<string, unknown>>;
    expect(row).toEqual({ state: 'held', tlp: 'amber', dtlp: 'amber', version: 1 });
  });
});

describe('deadlines', () => {
  it('expires an item past its deadline (recorded, never released) and lists items about to expire', async () => {
    const soon = await held();
    const due = await held();
    await h.db.query(`UPDATE review_items SET deadline = now() + interval '10 minutes' WHERE case_id = $1`, [
      soon.caseId,
    ]);
    const expiring = await call('GET', '/review/expiring?withinSeconds=900', alice.auth);
    expect((expiring.body['items'] as Array<{ caseId: string }>).map((i) => i.caseId)).toContain(soon.caseId);
    await h.db.query(`UPDATE review_items SET deadline = now() - interval '1 second' WHERE case_id = $1`, [
      due.caseId,
    ]);
    await eventually(async () => {
      const res = await call('GET', `/review/items/${due.caseId}`, alice.auth);
      return res.body['state'] === 'expired';
    });
    expect(
      await count(`SELECT count(*)::int AS n FROM audit_log WHERE case_id = $1 AND action = 'expired'`, [
        due.caseId,
      ]),
    ).toBe(1);
    expect(
      await count('SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1', [due.draft.eventId]),
    ).toBe(0);
    const late = await call('POST', `/review/items/${due.caseId}/approve`, alice.auth, {});
    expect([late.status, late.body['code']]).toEqual([409, 'REVIEW.ALREADY_DECIDED']);
  });
});

describe('listing', () => {
  it('filters by state, customer, reason, risk and age, pages with a cursor and counts by state', async () => {
    const mine = [
      await held({}, { risk: 61, reasons: [{ code: 'LOOKALIKE_DOMAIN', detail: 'x' }] }),
      await held({}, { risk: 62, reasons: [{ code: 'LOOKALIKE_DOMAIN', detail: 'x' }] }),
      await held({}, { risk: 63, reasons: [{ code: 'LOOKALIKE_DOMAIN', detail: 'x' }] }),
    ];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q = `/review/items?state=held&reason=LOOKALIKE_DOMAIN&minRisk=60&maxRisk=64&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call('GET', q, alice.auth);
      expect(page.status).toBe(200);
      seen.push(...(page.body['items'] as Array<{ caseId: string }>).map((i) => i.caseId));
      cursor = page.body['nextCursor'] as string | null;
    } while (cursor);
    expect(seen).toEqual(mine.map((m) => m.caseId));
    const page = await call(
      'GET',
      `/review/items?customer=${REVIEW_CUSTOMER.id}&minAgeSeconds=0`,
      alice.auth,
    );
    const counts = page.body['counts'] as Record<string, number>;
    expect(counts['held']).toBeGreaterThanOrEqual(3);
    expect(counts['approved']).toBeGreaterThanOrEqual(1);
    // The operator's queue figures count every state afresh, as the table holds them.
    const queue = await call('GET', '/admin/queue', h.adminAuth);
    const byState = (await h.db.query(
      `SELECT state, count(*)::int AS n FROM review_items GROUP BY state`,
    )) as Array<{
      state: string;
      n: number;
    }>;
    expect(queue.body['depth']).toEqual({
      'awaiting-second-approval': 0,
      ...Object.fromEntries(byState.map((r) => [r.state, r.n])),
    });
    const future = await call('GET', '/review/items?minAgeSeconds=86400', alice.auth);
    expect(future.body['items']).toEqual([]);
    const bad = await call('GET', '/review/items?state=lost', alice.auth);
    expect([bad.status, bad.body['code']]).toEqual([400, 'REQUEST.INVALID']);
  });
});

describe('accounts and sessions', () => {
  it('logs in with an HttpOnly SameSite session cookie and demands the CSRF token for changes', async () => {
    const r = await held();
    const login = await call(
      'POST',
      '/auth/login',
      {},
      { username: alice.username, password: alice.password },
    );
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = setCookie.split(';')[0]!;
    const csrf = login.body['csrfToken'] as string;
    const noCsrf = await call('POST', `/review/items/${r.caseId}/notes`, { cookie }, { body: 'x' });
    expect([noCsrf.status, noCsrf.body['code']]).toEqual([403, 'AUTH.CSRF']);
    const wrong = await call(
      'POST',
      `/review/items/${r.caseId}/notes`,
      { cookie, 'x-csrf-token': 'x' },
      { body: 'x' },
    );
    expect(wrong.status).toBe(403);
    const ok = await call(
      'POST',
      `/review/items/${r.caseId}/notes`,
      { cookie, 'x-csrf-token': csrf },
      { body: 'x' },
    );
    expect(ok.status).toBe(201);
    expect((await call('GET', `/review/items/${r.caseId}`, { cookie })).status).toBe(200);
    await call('POST', '/auth/logout', { cookie, 'x-csrf-token': csrf });
    expect((await call('GET', `/review/items/${r.caseId}`, { cookie })).status).toBe(401);
  });

  it('stores passwords as argon2id and rate-limits failed logins', async () => {
    const [row] = (await h.db.query('SELECT password_hash FROM review_accounts WHERE username = $1', [
      bob.username,
    ])) as Array<{
      password_hash: string;
    }>;
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await call('POST', '/auth/login', {}, { username: bob.username, password: `wrong-${i}` })).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const right = await call('POST', '/auth/login', {}, { username: bob.username, password: bob.password });
    expect([right.status, right.body['code']]).toEqual([429, 'AUTH.RATE_LIMITED']);
  });

  it('ends sessions and tokens of a deactivated account', async () => {
    const dave = await createReviewer(h, 'dave', [REVIEW_CUSTOMER.id]);
    expect((await call('GET', '/review/items', dave.auth)).status).toBe(200);
    const off = await call('PATCH', `/admin/accounts/${dave.id}`, h.adminAuth, { active: false });
    expect(off.body['active']).toBe(false);
    expect((await call('GET', '/review/items', dave.auth)).status).toBe(401);
  });
});

describe('admin API', () => {
  it('registers, validates, lists and deactivates customers, with agreement versioning', async () => {
    const nagi = { ...AUTO_CUSTOMER, id: 'nagi-shoji', names: ['Nagi Shoji'], domains: ['nagi-shoji.jp'] };
    const put = await call('PUT', '/admin/customers/nagi-shoji', h.adminAuth, nagi);
    expect([put.status, put.body['id']]).toEqual([200, 'nagi-shoji']);
    const invalid = await call('PUT', '/admin/customers/nagi-shoji', h.adminAuth, {
      ...nagi,
      region: { country: 'Japan' },
    });
    expect([invalid.status, invalid.body['code']]).toEqual([400, 'REQUEST.INVALID']);
    expect(JSON.stringify(invalid.body)).not.toContain('Nagi');
    const mismatch = await call('PUT', '/admin/customers/other', h.adminAuth, nagi);
    expect(mismatch.status).toBe(409);
    const sameVersion = await call('PUT', '/admin/customers/nagi-shoji', h.adminAuth, {
      ...nagi,
      agreement: { ...nagi.agreement, autoRelease: false },
    });
    expect([sameVersion.status, sameVersion.body['code']]).toEqual([409, 'CUSTOMER.AGREEMENT_VERSION']);
    const list = await call('GET', '/admin/customers', h.adminAuth);
    expect((list.body['customers'] as Array<{ id: string }>).map((c) => c.id)).toContain('nagi-shoji');
    const off = await call('POST', '/admin/customers/nagi-shoji/deactivate', h.adminAuth);
    expect(off.body['deactivatedAt']).toEqual(expect.any(String));
    expect((await call('GET', '/admin/customers/nope', h.adminAuth)).status).toBe(404);
  });

  it('registers subscribers with the contracts schema and never returns the TAXII key', async () => {
    const key = 'k'.repeat(40);
    const sub = { id: 'nagi-cert', name: 'Nagi CERT', tlpClearance: 'green', taxiiApiKey: key };
    const put = await call('PUT', '/admin/subscribers/nagi-cert', h.adminAuth, sub);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: 'nagi-cert', taxiiApiKeySet: true, active: true });
    expect(JSON.stringify(put.body)).not.toContain(key);
    const red = await call('PUT', '/admin/subscribers/nagi-cert', h.adminAuth, {
      ...sub,
      tlpClearance: 'red',
    });
    expect(red.status).toBe(400);
    const extra = await call('PUT', '/admin/subscribers/nagi-cert', h.adminAuth, { ...sub, isAdmin: true });
    expect(extra.status).toBe(400);
    const off = await call('POST', '/admin/subscribers/nagi-cert/deactivate', h.adminAuth);
    expect(off.body['active']).toBe(false);
  });

  it('serves the OpenAPI document and the console with a CSP that forbids inline scripts', async () => {
    const doc = await call('GET', '/openapi.json', {});
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body['paths'] as object)).toContain('/review/items/{caseId}/redact');
    const page = await fetch(`${h.review.url}/console/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await page.text()).not.toMatch(/<script>(?!<)/);
  });
});

describe('audit log', () => {
  it('is append-only even for the table owner, and its chain verifies', async () => {
    for (const sql of [
      `UPDATE audit_log SET actor = 'mallory' WHERE seq = (SELECT min(seq) FROM audit_log)`,
      `DELETE FROM audit_log WHERE seq = (SELECT min(seq) FROM audit_log)`,
      `TRUNCATE audit_log`,
    ]) {
      await expect(h.db.query(sql)).rejects.toThrow(/append-only/);
    }
    const v = await call('GET', '/admin/audit/verify', h.adminAuth);
    expect(v.body).toMatchObject({ ok: true });
    expect(v.body['entries'] as number).toBeGreaterThan(20);
  });

  it('detects an entry changed behind the trigger (by someone able to disable it)', async () => {
    const [first] = (await h.db.query('SELECT seq, actor FROM audit_log ORDER BY seq LIMIT 1')) as Array<{
      seq: string;
      actor: string;
    }>;
    await h.db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete');
    try {
      await h.db.query(`UPDATE audit_log SET actor = 'mallory' WHERE seq = $1`, [first!.seq]);
      const broken = await call('GET', '/admin/audit/verify', h.adminAuth);
      expect(broken.body).toMatchObject({ ok: false, brokenAt: 1, problem: 'HASH_MISMATCH' });
      await h.db.query('UPDATE audit_log SET actor = $2 WHERE seq = $1', [first!.seq, first!.actor]);
    } finally {
      await h.db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete');
    }
    expect((await call('GET', '/admin/audit/verify', h.adminAuth)).body).toMatchObject({ ok: true });
  });

  it('never writes alert content to the service log', () => {
    expect(h.review.recentOutput).not.toMatch(/FormBook beacon|PC-OSAKA|kawasemi/i);
  });
});

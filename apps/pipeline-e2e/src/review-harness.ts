import type { DataSource } from 'typeorm';
import type { Kafka, Producer } from 'kafkajs';
import {
  Topics,
  deterministicId,
  encodeEvent,
  shareTopic,
  type ReviewRequest,
  type SanitizedEvent,
} from '@kyoyu/contracts';
import { openDataSource, upsertCustomers, upsertSubscribers } from '@kyoyu/persistence';
import {
  ServiceProcess,
  TopicReader,
  connectedProducer,
  freePort,
  localSecrets,
  serviceEnv,
  testKafka,
  type StackEnv,
  type StageName,
} from '@kyoyu/testing';
import { AUTO_CUSTOMER, REVIEW_CUSTOMER, SUBSCRIBERS } from './fixtures';

/** The review app with real PostgreSQL and broker, plus fan-out when a test follows a release to a subscriber. */
export interface ReviewHarness {
  env: StackEnv;
  kafka: Kafka;
  producer: Producer;
  db: DataSource;
  review: ServiceProcess;
  fanout: ServiceProcess | undefined;
  reader: TopicReader;
  adminAuth: Record<string, string>;
  close(): Promise<void>;
}

/** Settings the review tests shorten (expiry sweep) on top of the stack's usual environment. */
export const REVIEW_TEST_ENV = { REVIEW_EXPIRY_SWEEP_MS: '200', REVIEW_LOGIN_MAX_FAILURES: '5' };

export async function startReviewHarness(opts: { fanout?: boolean } = {}): Promise<ReviewHarness> {
  const bootstrap = (process.env['KYOYU_IT_BOOTSTRAP'] ?? '').split(',').filter(Boolean);
  const databaseUrl = process.env['KYOYU_IT_DATABASE_URL'] ?? '';
  if (!bootstrap.length || !databaseUrl) throw new Error('integration stack not started (global-setup.mjs)');
  const env: StackEnv = { bootstrap, databaseUrl, ...localSecrets() };
  const db = await openDataSource(databaseUrl, 'kyoyu-it-review');
  await upsertCustomers(db, [AUTO_CUSTOMER, REVIEW_CUSTOMER]);
  await upsertSubscribers(db, SUBSCRIBERS);
  const kafka = testKafka(bootstrap);
  const producer = await connectedProducer(kafka);
  const reader = await new TopicReader(kafka, [
    ...SUBSCRIBERS.map((s) => shareTopic(s.id)),
    Topics.EventsReleased,
    Topics.AlertsRejected,
  ]).start();
  const start = async (stage: StageName, extra: Record<string, string> = {}) => {
    const port = await freePort();
    const p = new ServiceProcess(stage, { ...serviceEnv(stage, env, port), ...extra }, port);
    p.start();
    return p;
  };
  const review = await start('review', REVIEW_TEST_ENV);
  const fanout = opts.fanout ? await start('fanout') : undefined;
  await Promise.all([review.waitReady(), fanout?.waitReady()]);
  return {
    env,
    kafka,
    producer,
    db,
    review,
    fanout,
    reader,
    adminAuth: { authorization: `Bearer ${env.reviewToken}` },
    async close() {
      await Promise.all([review.stop(), fanout?.stop()]);
      await reader.stop();
      await producer.disconnect();
      await db.destroy();
    },
  };
}

let serial = 0;

/** A held draft as de-identification would request it; `over` changes the draft, `req` the request. */
export function reviewRequest(
  over: Partial<SanitizedEvent> = {},
  req: Partial<Omit<ReviewRequest, 'draft'>> = {},
): ReviewRequest {
  const n = `${Date.now().toString(36)}-${++serial}`;
  const caseId = req.caseId ?? deterministicId('case', n);
  const draft: SanitizedEvent = {
    eventId: deterministicId('event', n),
    caseId,
    observedAt: '2026-11-20T01:00:00.000Z',
    title: `FormBook beacon ${n}`,
    description: 'Beacon to www.cn-cdn-update.example over HTTP',
    severity: { score: 80, label: 'high' },
    techniques: [{ id: 'T1071' }],
    tactics: [{ id: 'TA0011' }],
    indicators: [{ type: 'ipv4', value: `203.0.113.${(serial % 200) + 1}`, role: 'attacker' }],
    malware: ['FormBook'],
    cves: [],
    signature: { id: '2031412', name: 'ET MALWARE FormBook CnC Checkin (GET)' },
    context: { sector: 'finance', country: 'JP' },
    confidence: 70,
    distribution: { tlp: 'amber', audience: { kind: 'all' }, agreementVersion: 1 },
    ...over,
  };
  return {
    caseId,
    alertId: req.alertId ?? deterministicId('alert', n),
    sourceOrg: req.sourceOrg ?? REVIEW_CUSTOMER.id,
    draft,
    reasons: req.reasons ?? [{ code: 'AGREEMENT_REQUIRES_REVIEW', detail: 'agreement' }],
    risk: req.risk ?? 30,
    transformations: req.transformations ?? [
      { field: 'host.name', class: 'host', action: 'pseudonymize', rule: 'R-HOST' },
    ],
    original: req.original ?? {
      raw: JSON.stringify({ host: 'KW-PC-0001', domain: 'ad.kawasemi-bank.jp', src_ip: '10.1.2.3' }),
      contentType: 'json',
    },
  };
}

export async function sendReviewRequests(producer: Producer, requests: ReviewRequest[]): Promise<void> {
  await producer.send({
    topic: Topics.ReviewRequested,
    acks: -1,
    messages: requests.map((r) => ({
      key: r.sourceOrg,
      value: encodeEvent(Topics.ReviewRequested, {
        id: deterministicId('review-requested', r.caseId),
        type: 'ReviewRequested',
        schemaVersion: 1,
        correlationId: `it-${r.caseId}`,
        occurredAt: new Date().toISOString(),
        data: r,
      }),
    })),
  });
}

/** Polls until `check` passes or the deadline is reached (outcome-based waiting, no fixed sleeps). */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Reviewer {
  id: string;
  username: string;
  password: string;
  token: string;
  auth: Record<string, string>;
}

/** Creates a reviewer account through the admin API, with a bearer token for API calls. */
export async function createReviewer(
  h: ReviewHarness,
  name: string,
  clearances: string[],
): Promise<Reviewer> {
  // Test files share one database per run: user names are unique per harness.
  const username = `${name}-${h.env.reviewToken.slice(0, 6)}`;
  const password = `pw-${username}-correct-horse`;
  const res = await fetch(`${h.review.url}/admin/accounts`, {
    method: 'POST',
    headers: { ...h.adminAuth, 'content-type': 'application/json' },
    body: JSON.stringify({
      username,
      displayName: `Reviewer ${username}`,
      password,
      role: 'reviewer',
      clearances,
    }),
  });
  if (res.status !== 201) throw new Error(`account ${username}: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const tok = await fetch(`${h.review.url}/admin/accounts/${id}/tokens`, {
    method: 'POST',
    headers: { ...h.adminAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'it' }),
  });
  const { token } = (await tok.json()) as { token: string };
  return { id, username, password, token, auth: { authorization: `Bearer ${token}` } };
}

/** Waits until the review app has stored the item (visible to a cleared reviewer). */
export async function waitForItem(h: ReviewHarness, r: Reviewer, caseId: string): Promise<void> {
  await eventually(
    async () => (await fetch(`${h.review.url}/review/items/${caseId}`, { headers: r.auth })).ok,
  );
}

import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { Headers, Topics, shareTopic, type Customer, type SanitizedEvent } from '@kyoyu/contracts';
import { openDataSource, upsertCustomers } from '@kyoyu/persistence';
import { GENESIS_HASH, chain } from '@kyoyu/review-core';
import {
  TopicReader,
  connectedProducer,
  localSecrets,
  releasedRecord,
  repoRoot,
  startStages,
  testKafka,
  type ServiceProcess,
  type StackEnv,
  type StageName,
} from '@kyoyu/testing';
import { AUTO_CUSTOMER, REVIEW_CUSTOMER, suricataAlert } from './fixtures';
import { eventually } from './review-harness';

/**
 * The `kyoyu` operator command against the real broker and database, with the four stages running:
 * registry import, rejections and a replay after a fix (once), held items, revocation, audit, reconcile.
 * Needs the CLI built: `npx nx run cli:build`.
 */

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: unknown;
}

let env: StackEnv;
let db: DataSource;
let producer: Producer;
let reader: TopicReader;
let stages: Map<StageName, ServiceProcess>;
let started: number;
const work = mkdtempSync(path.join(tmpdir(), 'kyoyu-cli-it-'));
let flow = 8_000_000;
/** Fan-out's operator token, for `kyoyu fanout …`. */
const FANOUT_TOKEN = randomBytes(24).toString('hex');

function kyoyu(...args: string[]): Promise<CliResult> {
  return runCli(
    {
      DATABASE_URL: env.databaseUrl,
      KAFKA_BROKERS: env.bootstrap.join(','),
      ...(stages?.get('fanout')
        ? { FANOUT_URL: stages.get('fanout')!.url, FANOUT_ADMIN_TOKEN: FANOUT_TOKEN }
        : {}),
    },
    args,
  );
}

function runCli(settings: Record<string, string>, args: string[]): Promise<CliResult> {
  const main = path.join(repoRoot(), 'dist', 'apps', 'cli', 'src', 'main.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...settings },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

async function send(sourceOrg: string, value: string | Buffer): Promise<void> {
  await producer.send({
    topic: Topics.AlertsRaw,
    acks: -1,
    messages: [{ key: sourceOrg, value, headers: { [Headers.SourceOrg]: sourceOrg } }],
  });
}

beforeAll(async () => {
  const bootstrap = (process.env['KYOYU_IT_BOOTSTRAP'] ?? '').split(',').filter(Boolean);
  const databaseUrl = process.env['KYOYU_IT_DATABASE_URL'] ?? '';
  if (!bootstrap.length || !databaseUrl) throw new Error('integration stack not started (global-setup.mjs)');
  env = {
    bootstrap,
    databaseUrl,
    ...localSecrets(),
    extraEnv: (stage): Record<string, string> =>
      stage === 'fanout' ? { FANOUT_ADMIN_TOKEN: FANOUT_TOKEN } : {},
  };
  started = Date.now() - 1000;
  db = await openDataSource(databaseUrl, 'kyoyu-it-cli');
  await upsertCustomers(db, [AUTO_CUSTOMER, REVIEW_CUSTOMER]);
  const kafka = testKafka(bootstrap);
  producer = await connectedProducer(kafka);
  reader = await new TopicReader(kafka, [
    Topics.AlertsRejected,
    Topics.EventsRevoked,
    shareTopic('jp-isac'),
    shareTopic('iot-maker'),
  ]).start();
  stages = await startStages(env);
});

afterAll(async () => {
  await Promise.all([...(stages?.values() ?? [])].map((s) => s.stop()));
  await reader?.stop();
  await producer?.disconnect();
  await db?.destroy();
});

describe('kyoyu CLI', () => {
  it('prints help for every command and exits 2 on a usage error', async () => {
    for (const cmd of [
      [],
      ['customers'],
      ['rejections', 'replay'],
      ['reconcile'],
      ['held', 'list'],
      ['fanout'],
    ]) {
      const r = await kyoyu(...cmd, '--help');
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 0 });
      expect(r.stdout).toMatch(/^Usage: kyoyu/);
    }
    const bad = await kyoyu('reconcile');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("required option '--from <time>' not specified");
  });

  it('imports the example registry files and lists them; a bad file names fields, never values', async () => {
    const customers = await kyoyu(
      '--json',
      'customers',
      'import',
      path.join(repoRoot(), 'docs/examples/customers.example.json'),
    );
    expect(customers.code).toBe(0);
    expect(customers.json).toMatchObject({ imported: 1, ids: ['hoshizora-denki'] });
    const subs = await kyoyu(
      '--json',
      'subscribers',
      'import',
      path.join(repoRoot(), 'docs/examples/subscribers.example.json'),
    );
    expect(subs.code).toBe(0);
    const list = await kyoyu('--json', 'subscribers', 'list');
    // Other suites share the database and register their own subscribers.
    expect((list.json as Array<{ id: string }>).map((s) => s.id)).toEqual(
      expect.arrayContaining(['iot-maker', 'jp-isac']),
    );

    // A TAXII key is accepted once and kept only as its hash: neither the list nor the table holds it.
    const taxiiKey = randomBytes(24).toString('base64url');
    const keyed = path.join(work, 'keyed-subscriber.json');
    writeFileSync(
      keyed,
      JSON.stringify({
        subscribers: [
          { id: 'cli-keyed', name: 'Keyed', sectors: [], tlpClearance: 'green', taxiiApiKey: taxiiKey },
        ],
      }),
    );
    expect((await kyoyu('--json', 'subscribers', 'import', keyed)).code).toBe(0);
    const listed = await kyoyu('--json', 'subscribers', 'list');
    expect(listed.stdout).not.toContain(taxiiKey);
    const [stored] = (await db.query(
      `SELECT taxii_api_key_hash AS h FROM subscribers WHERE id = 'cli-keyed'`,
    )) as Array<{
      h: string;
    }>;
    expect(stored?.h).toBe(`sha256:${createHash('sha256').update(taxiiKey).digest('hex')}`);

    const secretName = 'Secret Victim Holdings';
    const file = path.join(work, 'bad-customers.json');
    writeFileSync(file, JSON.stringify({ customers: [{ id: 'Bad Id', names: [secretName], sector: 7 }] }));
    const bad = await kyoyu('--json', 'customers', 'import', file);
    expect(bad.code).toBe(2);
    const err = (bad.json as { error: { code: string; details: string[] } }).error;
    expect(err.code).toBe('IMPORT.INVALID');
    expect(err.details).toEqual(expect.arrayContaining([expect.stringMatching(/^customers\.0\.id: /)]));
    expect(bad.stdout + bad.stderr).not.toContain(secretName);
  });

  it('lists a rejection, replays it after the fix exactly once, and the replayed record is delivered', async () => {
    const late: Customer = { ...AUTO_CUSTOMER, id: 'late-customer', names: ['Late Customer K.K.'] };
    const attackerIp = '203.0.113.231';
    await send(
      late.id,
      suricataAlert({
        flowId: ++flow,
        internalIp: '10.7.7.7',
        attackerIp,
        hostname: 'LATE-PC-01',
        user: 'late.user',
      }),
    );
    await reader.waitFor(
      (m) =>
        m.topic === Topics.AlertsRejected &&
        m.value.includes('"UNKNOWN_SOURCE"') &&
        m.value.includes(late.id),
    );
    const listed = await kyoyu('--json', 'rejections', 'list', '--reason', 'UNKNOWN_SOURCE');
    expect(listed.code).toBe(0);
    const ours = (
      listed.json as { rejections: Array<{ id: string; sourceOrg: string; replayed: boolean }> }
    ).rejections.filter((r) => r.sourceOrg === late.id);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.replayed).toBe(false);
    const id = ours[0]!.id;
    const shown = await kyoyu('--json', 'rejections', 'show', id);
    expect(shown.json).toMatchObject({
      id,
      reason: 'UNKNOWN_SOURCE',
      stage: 'ingestion',
      originalKept: true,
    });

    // The fix: register the customer. Then replay; ingestion reads alerts.replay.v1 and accepts it.
    const file = path.join(work, 'late.json');
    writeFileSync(file, JSON.stringify({ customers: [late] }));
    expect((await kyoyu('customers', 'import', file)).code).toBe(0);
    // Ingestion and de-identification each reload the registry on their own schedule: probe (another attacker
    // address each time) until a probe of the customer reaches a subscriber, so every stage knows it. Waiting
    // for ingestion alone let the replay reach a de-identification that had not reloaded yet (UNKNOWN_SOURCE).
    const deadline = Date.now() + 60_000;
    for (let probe = 1; ; probe++) {
      const probeIp = `198.51.100.${probe % 250}`;
      await send(
        late.id,
        suricataAlert({
          flowId: ++flow,
          internalIp: '10.7.7.8',
          attackerIp: probeIp,
          hostname: 'PROBE',
          user: 'probe',
        }),
      );
      // Quoted as in the STIX pattern, so 198.51.100.1 does not match 198.51.100.10.
      const through = await reader
        .waitFor((m) => m.topic.startsWith('share.') && m.value.includes(`'${probeIp}'`), 1, 2_000)
        .then(
          () => true,
          () => false,
        );
      if (through) break;
      if (Date.now() > deadline) throw new Error('no probe of the registered customer reached a subscriber');
    }
    const replay = await kyoyu('--json', 'rejections', 'replay', id);
    expect(replay.code).toBe(0);
    expect(replay.json).toEqual([{ id, status: 'replayed', sourceOrg: late.id }]);
    const bundles = await reader.waitFor(
      (m) => m.topic.startsWith('share.') && m.value.includes(attackerIp),
      1,
      60_000,
    );
    expect(bundles[0]!.value).not.toContain('LATE-PC-01');

    const again = await kyoyu('--json', 'rejections', 'replay', id);
    expect(again.code).toBe(5);
    expect(again.json).toEqual([
      expect.objectContaining({ id, status: 'refused', code: 'ALREADY_REPLAYED' }),
    ]);
    const unknown = await kyoyu('rejections', 'replay', 'no-such-rejection');
    expect(unknown.code).toBe(5);
    expect(unknown.stdout).toContain('NOT_FOUND');
  });

  it('lists held items of the review-only customer', async () => {
    await send(
      REVIEW_CUSTOMER.id,
      suricataAlert({
        flowId: ++flow,
        internalIp: '10.9.9.9',
        attackerIp: '203.0.113.232',
        hostname: 'KW-PC-9',
        user: 'k.user',
      }),
    );
    const deadline = Date.now() + 30_000;
    let items: Array<{ caseId: string; sourceOrg: string; reasons: string[] }> = [];
    while (Date.now() < deadline) {
      const r = await kyoyu('--json', 'held', 'list');
      items = (r.json as typeof items).filter((i) => i.sourceOrg === REVIEW_CUSTOMER.id);
      if (items.length) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(items.length).toBeGreaterThanOrEqual(1);
    expect(items[0]!.reasons).toContain('AGREEMENT_REQUIRES_REVIEW');
    const shown = await kyoyu('--json', 'held', 'show', items[0]!.caseId);
    expect(shown.code).toBe(0);
    expect(JSON.stringify(shown.json)).not.toContain('KW-PC-9');
    expect((await kyoyu('held', 'show', 'no-such-case')).code).toBe(4);
  });

  it('sends a revocation to events.revoked.v1 and verifies the audit chain', async () => {
    const revoke = await kyoyu('--json', 'events', 'revoke', 'evt-cli-test', '--reason', 'false-positive');
    expect(revoke.code).toBe(0);
    await reader.waitFor((m) => m.topic === Topics.EventsRevoked && m.key === 'evt-cli-test');
    expect((await kyoyu('events', 'revoke', 'x', '--reason', 'because')).code).toBe(2);
    // More than nine entries, so a page read in text order ('10' before '2') would break the chain.
    await appendAuditEntries(db, 12);
    const audit = await kyoyu('--json', 'audit', 'verify', '--page-size', '5');
    expect(audit.code).toBe(0);
    expect(audit.json).toMatchObject({ ok: true });
    expect((audit.json as { entries: number }).entries).toBeGreaterThanOrEqual(12);
  });

  it("lists fan-out's egress-guard holds without values, releases a false alarm once, shows who received it, the backlog and the embargoed", async () => {
    const id = randomBytes(4).toString('hex');
    // Released with a registered customer's domain in it: fan-out's own egress guard stops it.
    const event: SanitizedEvent = {
      eventId: `cli-held-${id}`,
      caseId: `cli-case-${id}`,
      observedAt: '2026-11-20T01:00:00.000Z',
      title: `Phishing kit imitating sso.${AUTO_CUSTOMER.domains[0]}`,
      severity: { score: 60, label: 'medium' },
      techniques: [{ id: 'T1566.002' }],
      tactics: [{ id: 'TA0001' }],
      indicators: [{ type: 'url', value: `http://login-${id}.example/kit`, role: 'attacker' }],
      malware: [],
      cves: [],
      context: {},
      confidence: 60,
      distribution: { tlp: 'green', audience: { kind: 'all' }, agreementVersion: 1 },
    };
    await producer.send({
      topic: Topics.EventsReleased,
      acks: -1,
      messages: [{ key: event.eventId, value: releasedRecord(event) }],
    });
    const held = await eventually(async () => {
      const r = await kyoyu('--json', 'fanout', 'held');
      return (r.json as Array<{ eventId: string; hits: unknown[] }> | undefined)?.find(
        (h) => h.eventId === event.eventId,
      );
    });
    expect(held.hits).toContainEqual(expect.objectContaining({ kind: 'domain' }));
    const text = await kyoyu('fanout', 'held');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(event.eventId);
    expect(text.stdout + text.stderr).not.toContain(AUTO_CUSTOMER.domains[0]);

    const released = await kyoyu('--json', 'fanout', 'release', event.eventId);
    expect({ code: released.code, json: released.json }).toEqual({
      code: 0,
      json: { eventId: event.eventId, status: 'released' },
    });
    await reader.waitFor((m) => m.topic === shareTopic('jp-isac') && m.key === event.eventId);
    // Who received it: the operator's "who received what", per subscriber and channel.
    const who = await eventually(async () => {
      const r = await kyoyu('--json', 'fanout', 'deliveries', event.eventId);
      const d = (
        r.json as {
          deliveries?: Array<{ subscriberId: string; channel: string; deliveredAt: string | null }>;
        }
      )?.deliveries?.find((x) => x.subscriberId === 'jp-isac' && x.channel === 'kafka');
      return d?.deliveredAt ? r : undefined;
    });
    expect(who.code).toBe(0);
    expect(who.json).toMatchObject({ event: { event_id: event.eventId, revoked: false } });
    expect((await kyoyu('fanout', 'deliveries', event.eventId)).stdout).toContain('jp-isac');
    const unknown = await kyoyu('--json', 'fanout', 'deliveries', `cli-never-${id}`);
    expect(unknown.code).toBe(4);
    expect(unknown.json).toMatchObject({ error: { code: 'FANOUT.UNKNOWN_EVENT' } });
    const again = await kyoyu('--json', 'fanout', 'release', event.eventId);
    expect(again.code).toBe(4);
    expect(again.json).toMatchObject({ error: { code: 'FANOUT.NOT_HELD' } });

    const backlog = await kyoyu('--json', 'fanout', 'backlog');
    expect(backlog.code).toBe(0);
    expect(Array.isArray(backlog.json)).toBe(true);
    const embargoed = await kyoyu('--json', 'fanout', 'embargoed');
    expect(embargoed.code).toBe(0);
    expect(embargoed.json).toMatchObject({ waiting: expect.any(Number), failed: expect.any(Number) });
    expect(Array.isArray((embargoed.json as { releases: unknown }).releases)).toBe(true);
    expect((await kyoyu('fanout', 'embargoed')).stdout).toMatch(/^\d+ waiting, \d+ failed$/m);
    // Without fan-out's address the command says which settings it needs.
    const unset = await runCli({}, ['--json', 'fanout', 'held']);
    expect({ code: unset.code, json: unset.json }).toMatchObject({
      code: 3,
      json: { error: { code: 'CONFIG.FANOUT_URL' } },
    });
  });

  it('reconcile proves every input record has one outcome, and names a record that has none', async () => {
    // Everything sent above has reached its outcome (the tests waited for it); reconcile the whole run.
    const from = new Date(started).toISOString();
    const ok = await kyoyu('--json', 'reconcile', '--from', from);
    const report = ok.json as {
      ok: boolean;
      inputRecords: number;
      outcomes: Record<string, number>;
      problems: Array<{ origin: string; code: string }>;
    };
    expect(report.problems).toEqual([]);
    expect(ok.code).toBe(0);
    expect(report.inputRecords).toBeGreaterThanOrEqual(3);
    expect(report.outcomes['rejected']).toBeGreaterThanOrEqual(1);
    expect(report.outcomes['released']).toBeGreaterThanOrEqual(1);
    expect(report.outcomes['held']).toBeGreaterThanOrEqual(1);

    // Remove one recorded outcome: reconcile must name exactly that record.
    const [row] = (await db.query(
      `DELETE FROM ingest_outcomes WHERE origin = (SELECT origin FROM ingest_outcomes WHERE topic = $1 ORDER BY recorded_at DESC LIMIT 1) RETURNING origin`,
      [Topics.AlertsRaw],
    )) as [Array<{ origin: string }>, number];
    const origin = row[0]!.origin;
    const broken = await kyoyu('--json', 'reconcile', '--from', from);
    expect(broken.code).toBe(1);
    expect((broken.json as typeof report).problems).toEqual([{ origin, code: 'NO_OUTCOME', found: [] }]);
  });
});

/** Extends the audit chain as the review service does: each entry hashed onto the one before it. */
async function appendAuditEntries(db: DataSource, n: number): Promise<void> {
  const [last] = (await db.query('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1')) as Array<{
    hash: string;
  }>;
  const entries = chain(
    last?.hash ?? GENESIS_HASH,
    Array.from({ length: n }, (_, i) => ({
      at: new Date(Date.now() + i).toISOString(),
      actor: 'cli-test',
      action: 'held' as const,
      caseId: `cli-audit-${i}`,
      beforeHash: null,
      afterHash: null,
      reason: null,
    })),
  );
  for (const e of entries)
    await db.query(
      `INSERT INTO audit_log (at, actor, action, case_id, before_hash, after_hash, reason, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [e.at, e.actor, e.action, e.caseId, e.beforeHash, e.afterHash, e.reason, e.prevHash, e.hash],
    );
}

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import {
  Topics,
  encodeEvent,
  shareTopic,
  type Customer,
  type EventRevokedEvent,
  type SanitizedEvent,
  type SubscriberRegistrationInput,
} from '@kyoyu/contracts';
import { collectionIdFor } from '@kyoyu/fanout-core';
import { openDataSource, upsertCustomers, upsertSubscribers } from '@kyoyu/persistence';
import { compileStixValidator, type StixValidator } from '@kyoyu/stix';
import { AUTO_CUSTOMER } from './fixtures';
import {
  ServiceProcess,
  TopicReader,
  connectedProducer,
  controlBroker,
  freePort,
  serviceEnv,
  sharedSamplesDir,
  testKafka,
  localSecrets,
  releasedRecord,
  type ReadMessage,
} from '@kyoyu/testing';

/**
 * Fan-out against the real broker and PostgreSQL, the service running from dist/: routing and filters,
 * per-subscriber isolation when one topic fails, TAXII 2.1 over plain HTTP, and revocation over Kafka
 * and TAXII. Released events are produced directly to events.released.v1, as de-identification would.
 */
const run = randomBytes(3).toString('hex');
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const key = () => randomBytes(24).toString('base64url');

const ids = {
  isac: `isac-${run}`,
  iot: `iot-${run}`,
  strict: `strict-${run}`,
  picky: `picky-${run}`,
  broken: `broken-${run}`,
  steady: `steady-${run}`,
};
const keys = { isac: key(), iot: key(), picky: key() };

const SUBSCRIBERS: SubscriberRegistrationInput[] = [
  {
    id: ids.isac,
    name: 'JP ISAC',
    sectors: ['manufacturing'],
    tlpClearance: 'amber',
    taxiiApiKey: keys.isac,
  },
  {
    id: ids.iot,
    name: 'Camera maker PSIRT',
    sectors: ['manufacturing'],
    tlpClearance: 'green',
    filters: { products: [{ cpe: 'cpe:2.3:h:hikvision:*:*:*:*:*:*:*:*:*' }] },
    taxiiApiKey: keys.iot,
  },
  { id: ids.strict, name: 'Named partner', sectors: [], tlpClearance: 'amber+strict', channels: ['kafka'] },
  {
    id: ids.picky,
    name: 'Web-only CSIRT',
    sectors: [],
    tlpClearance: 'green',
    filters: { techniques: ['T1071'], indicatorTypes: ['url'], minConfidence: 60 },
    taxiiApiKey: keys.picky,
  },
  // Asks only for ransomware impact, so its producer is first created when its topic is already failing.
  {
    id: ids.broken,
    name: 'Broken topic',
    sectors: [],
    tlpClearance: 'green',
    filters: { techniques: ['T1486'] },
    channels: ['kafka'],
  },
  { id: ids.steady, name: 'Steady', sectors: [], tlpClearance: 'green', channels: ['kafka'] },
];

let kafka: Kafka;
let producer: Producer;
const readers = new Map<string, TopicReader>();
let db: DataSource;
let fanout: ServiceProcess;
let metricsPort: number;
let validate: StixValidator | undefined;
let n = 0;

beforeAll(async () => {
  const bootstrap = (process.env['KYOYU_IT_BOOTSTRAP'] ?? '').split(',').filter(Boolean);
  const databaseUrl = process.env['KYOYU_IT_DATABASE_URL'] ?? '';
  db = await openDataSource(databaseUrl, 'kyoyu-it-fanout');
  await upsertSubscribers(db, SUBSCRIBERS);
  kafka = testKafka(bootstrap);
  producer = await connectedProducer(kafka);
  for (const id of Object.values(ids)) await controlBroker(`create-topic ${shareTopic(id)} 4`);
  // One reader per subscriber topic: a consumer of a failing topic stalls, and must not stall the others.
  for (const id of Object.values(ids))
    readers.set(id, await new TopicReader(kafka, [shareTopic(id)]).start());
  const port = await freePort();
  metricsPort = await freePort();
  fanout = new ServiceProcess(
    'fanout',
    {
      ...serviceEnv('fanout', { bootstrap, databaseUrl, ...localSecrets() }, port),
      FANOUT_ADMIN_TOKEN: ADMIN_TOKEN,
      METRICS_PORT: String(metricsPort),
      DISPATCH_BACKOFF_MIN_MS: '200',
      DISPATCH_BACKOFF_MAX_MS: '1000',
      DISPATCH_POLL_MS: '250',
      EMBARGO_POLL_MS: '200',
      TAXII_MAX_PAGE: '50',
    },
    port,
  );
  fanout.start();
  await fanout.waitReady();
  const samples = sharedSamplesDir();
  if (samples) validate = compileStixValidator(loadSchemas(path.join(samples, 'stix', 'schemas')));
});

afterAll(async () => {
  if (process.env['KYOYU_IT_FANOUT_LOG'])
    writeFileSync(process.env['KYOYU_IT_FANOUT_LOG'], fanout?.recentOutput ?? '');
  await fanout?.stop();
  await Promise.all([...readers.values()].map((r) => r.stop()));
  await producer?.disconnect();
  await db?.destroy();
});

function loadSchemas(dir: string): Array<{ $id?: string }> {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { $id?: string });
}

function event(over: Partial<SanitizedEvent> = {}): SanitizedEvent {
  n += 1;
  return {
    eventId: `evt-${run}-${n}`,
    caseId: `case-${run}-${n}`,
    observedAt: '2026-11-20T01:00:00.000Z',
    title: 'ET MALWARE FormBook CnC Checkin (GET)',
    severity: { score: 80, label: 'high' },
    techniques: [{ id: 'T1071.001', name: 'Web Protocols' }],
    tactics: [{ id: 'TA0011', shortname: 'command-and-control' }],
    indicators: [
      { type: 'ipv4', value: `203.0.113.${n % 250}`, role: 'attacker' },
      { type: 'url', value: `http://c2-${n}.example/gate.php`, role: 'attacker' },
    ],
    malware: ['FormBook'],
    cves: [],
    context: {},
    confidence: 70,
    distribution: { tlp: 'green', audience: { kind: 'all' }, agreementVersion: 1 },
    ...over,
  };
}

async function release(...events: SanitizedEvent[]): Promise<void> {
  await producer.send({
    topic: Topics.EventsReleased,
    acks: -1,
    messages: events.map((e) => ({
      key: e.caseId,
      value: releasedRecord(e),
      headers: {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'kyoyu-correlation-id': `corr-${e.eventId}`,
      },
    })),
  });
}

async function revoke(eventId: string): Promise<void> {
  const revocation: EventRevokedEvent = {
    id: `rev-${eventId}`,
    type: 'EventRevoked',
    schemaVersion: 1,
    correlationId: `corr-rev-${eventId}`,
    occurredAt: new Date().toISOString(),
    data: { eventId, reason: 'false-positive', revokedAt: new Date().toISOString(), revokedBy: 'operator-1' },
  };
  await producer.send({
    topic: Topics.EventsRevoked,
    acks: -1,
    messages: [{ key: eventId, value: encodeEvent(Topics.EventsRevoked, revocation) }],
  });
}

const readerOf = (subscriber: string): TopicReader => readers.get(subscriber)!;
const got = (subscriber: string, eventId?: string): ReadMessage[] =>
  readerOf(subscriber).messages.filter((m) => eventId === undefined || m.key === eventId);
const wait = (subscriber: string, eventId: string, count = 1): Promise<ReadMessage[]> =>
  readerOf(subscriber).waitFor((m) => m.key === eventId, count);
const allMessages = (): ReadMessage[] => [...readers.values()].flatMap((r) => r.messages);

function bundleOf(m: ReadMessage): { type: string; objects: Array<Record<string, unknown>> } {
  return JSON.parse(m.value) as { type: string; objects: Array<Record<string, unknown>> };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * An event's Kafka delivery rows by subscriber, once it is stored: a release can reach a subscriber before its
 * rows are stored (KafkaDispatcher.deliverFresh).
 */
function deliveryRows(
  eventId: string,
): Promise<Array<{ subscriber_id: string; delivered: boolean; beforeQueued: boolean; attempts: number }>> {
  return until(`the delivery rows of ${eventId}`, async () => {
    const rows = (await db.query(
      `SELECT subscriber_id, delivered_at IS NOT NULL AS delivered,
         coalesce(delivered_at <= queued_at, false) AS "beforeQueued", attempts
       FROM deliveries WHERE event_id = $1 AND channel = 'kafka' ORDER BY subscriber_id`,
      [eventId],
    )) as Array<{ subscriber_id: string; delivered: boolean; beforeQueued: boolean; attempts: number }>;
    return rows.length > 0 ? rows : undefined;
  });
}

/** A request to fan-out's operator API (`/fanout/…`), with the operator's token unless another is given. */
function operator(urlPath: string, opts: { method?: string; token?: string } = {}): Promise<Response> {
  return fetch(`${fanout.url}/fanout/${urlPath}`, {
    method: opts.method ?? 'GET',
    headers: { authorization: `Bearer ${opts.token ?? ADMIN_TOKEN}` },
  });
}

/** A metric's value on fan-out's Prometheus endpoint (the first series `pattern` matches; its group 1). */
async function metric(pattern: RegExp): Promise<string | undefined> {
  return pattern.exec(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text())?.[1];
}

/**
 * The subscribers a plain event goes to, once fan-out has taken them on: the first release to a subscriber goes
 * out through a dispatch cycle, which takes its advisory lock; releases after it can go out before they are stored.
 */
async function takenOn(): Promise<string[]> {
  const recipients = [ids.isac, ids.picky, ids.steady, ids.strict];
  const first = event();
  await release(first);
  for (const id of recipients) await wait(id, first.eventId);
  await until('the first release recorded delivered', async () =>
    (await deliveryRows(first.eventId)).every((r) => r.delivered) ? true : undefined,
  );
  return recipients;
}

/** Delivery rows of copies sent before the store: delivered before they were queued, in one attempt. */
function sentBeforeStored(recipients: readonly string[]) {
  return [...recipients]
    .sort()
    .map((id) => ({ subscriber_id: id, delivered: true, beforeQueued: true, attempts: 1 }));
}

/** Copies of bundles the broker acknowledged for a subscriber, as fan-out counts them. */
async function deliveriesCounted(subscriber: string): Promise<number> {
  return Number(
    (await metric(
      new RegExp(`^kyoyu_fanout_deliveries_total\\{[^}]*subscriber="${subscriber}"[^}]*\\} (\\d+)`, 'm'),
    )) ?? 0,
  );
}

/** Kafka producers fan-out holds open for subscriber topics, of one kind. */
function producers(kind: 'shared' | 'own'): Promise<string | undefined> {
  return metric(new RegExp(`^kyoyu_fanout_producers\\{[^}]*kind="${kind}"[^}]*\\} (\\d+)`, 'm'));
}

async function taxii(
  urlPath: string,
  auth: string | undefined,
  accept = 'application/taxii+json;version=2.1',
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${fanout.url}/taxii2/${urlPath}`, {
    headers: { accept, ...(auth ? { authorization: auth } : {}) },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
const bearer = (k: string) => `Bearer ${k}`;
const collectionPath = (id: string) => `share/collections/${collectionIdFor(id)}`;

describe('fan-out routing, STIX and Kafka delivery', () => {
  it('delivers each event to exactly the entitled subscribers whose filters match, with only a content-type header', async () => {
    const plain = event();
    const camera = event({ title: 'ET EXPLOIT Hikvision IP Camera Command Injection', confidence: 40 });
    const amberSector = event({
      distribution: {
        tlp: 'amber',
        audience: { kind: 'same-sector', sector: 'manufacturing' },
        agreementVersion: 1,
      },
    });
    const strictNamed = event({
      distribution: {
        tlp: 'amber+strict',
        audience: { kind: 'named', subscribers: [ids.strict] },
        agreementVersion: 1,
      },
    });
    const red = event({ distribution: { tlp: 'red', audience: { kind: 'all' }, agreementVersion: 1 } });
    await release(plain, camera, amberSector, strictNamed, red);

    const expected: Array<[SanitizedEvent, string[]]> = [
      // AMBER+STRICT clearance covers GREEN: the named partner gets open events too.
      [plain, [ids.isac, ids.picky, ids.steady, ids.strict]],
      // Confidence 40 < picky's 60; Hikvision matches the camera maker's CPE.
      [camera, [ids.isac, ids.iot, ids.steady, ids.strict]],
      [amberSector, [ids.isac]],
      [strictNamed, [ids.strict]],
      [red, []],
    ];
    for (const [e, to] of expected) for (const id of to) await wait(id, e.eventId);
    await until('the red event stored with no recipient', async () => {
      const rows = (await db.query(`SELECT recipients FROM released_events WHERE event_id = $1`, [
        red.eventId,
      ])) as Array<{ recipients: number }>;
      return rows[0];
    }).then((r) => expect(r.recipients).toBe(0));

    const received = (e: SanitizedEvent) =>
      new Set(
        allMessages()
          .filter((m) => m.key === e.eventId)
          .map((m) => m.topic),
      );
    for (const [e, to] of expected) expect(received(e)).toEqual(new Set(to.map((id) => shareTopic(id))));

    for (const m of allMessages().filter((x) => x.key?.startsWith(`evt-${run}-`))) {
      expect(Object.keys(m.headers)).toEqual(['content-type']);
      expect(m.headers['content-type']).toBe('application/stix+json;version=2.1');
      if (validate) expect(validate(JSON.parse(m.value))).toEqual({ valid: true, errors: [] });
    }

    // Who received what: one row per subscriber and channel, with the hash of the exact bytes sent, each
    // marked delivered once its channel has it (TAXII rows by the appender, a moment after Kafka's).
    // (Only this suite's subscribers: other suites sharing the database register their own.)
    const rows = await until('both channels of the amber event delivered', async () => {
      const r = (await db.query(
        `SELECT subscriber_id, channel, content_hash, delivered_at FROM deliveries
         WHERE event_id = $1 AND subscriber_id = ANY($2::text[])`,
        [amberSector.eventId, Object.values(ids)],
      )) as Array<{
        subscriber_id: string;
        channel: string;
        content_hash: string;
        delivered_at: Date | null;
      }>;
      return r.length > 0 && r.every((x) => x.delivered_at !== null) ? r : undefined;
    });
    expect(rows.map((r) => `${r.subscriber_id}/${r.channel}`).sort()).toEqual(
      [`${ids.isac}/kafka`, `${ids.isac}/taxii`].sort(),
    );
    const [sent] = got(ids.isac, amberSector.eventId);
    for (const r of rows) {
      expect(r.content_hash).toBe(createHash('sha256').update(sent!.value).digest('hex'));
      expect(r.delivered_at).not.toBeNull();
    }

    // The operator asks fan-out the same question over HTTP (what `kyoyu fanout deliveries` prints).
    const ask = (query: string, token?: string) =>
      operator(`deliveries${query}`, token === undefined ? {} : { token });
    const answer = (await (await ask(`?eventId=${amberSector.eventId}`)).json()) as {
      event: { event_id: string; content_hash: string; recipients: number; revoked: boolean };
      deliveries: Array<{ subscriberId: string; channel: string; version: number; contentHash: string }>;
    };
    expect(answer.event).toMatchObject({
      event_id: amberSector.eventId,
      content_hash: rows[0]!.content_hash,
      revoked: false,
    });
    expect(
      answer.deliveries
        .filter((d) => Object.values(ids).includes(d.subscriberId))
        .map((d) => `${d.subscriberId}/${d.channel}/v${d.version}/${d.contentHash}`)
        .sort(),
    ).toEqual(rows.map((r) => `${r.subscriber_id}/${r.channel}/v1/${r.content_hash}`).sort());
    expect((await ask(`?eventId=evt-${run}-never-released`)).status).toBe(404);
    expect((await ask('')).status).toBe(400);
    expect((await ask(`?eventId=${amberSector.eventId}`, 'not-the-token-at-all')).status).toBe(401);
  });

  it('publishes a subscriber alone in its dispatch on the shared producers, opening none of its own', async () => {
    const sectorOnly = event({
      distribution: {
        tlp: 'amber',
        audience: { kind: 'same-sector', sector: 'manufacturing' },
        agreementVersion: 1,
      },
    });
    await release(sectorOnly);
    await wait(ids.isac, sectorOnly.eventId);
    const kafka = await deliveryRows(sectorOnly.eventId);
    expect(kafka.map((r) => r.subscriber_id)).toEqual([ids.isac]);
    expect(Number(await producers('shared'))).toBeGreaterThan(0);
    expect(await producers('own')).toBe('0');
  });

  it('publishes a release to subscribers with nothing waiting before storing it, recording when the broker took it', async () => {
    const recipients = await takenOn();
    const second = event();
    await release(second);
    for (const id of recipients) await wait(id, second.eventId);
    // Stored after the broker acknowledged it: delivered before the row was queued, in one attempt.
    expect(await deliveryRows(second.eventId)).toEqual(sentBeforeStored(recipients));
  });

  it('publishes the next release while an earlier one’s store waits, and stores both once it can', async () => {
    const recipients = await takenOn();
    // One case, so one partition: its next records are fetched only once the first release's handler returned.
    const first = event({ caseId: `case-${run}-stalled-store` });
    const second = event({ caseId: first.caseId });
    const lock = db.createQueryRunner();
    await lock.connect();
    try {
      await lock.startTransaction();
      // Stores insert into released_events; this lock mode lets nothing insert until the transaction ends.
      await lock.query(`LOCK TABLE released_events IN SHARE ROW EXCLUSIVE MODE`);
      await release(first);
      for (const id of recipients) await wait(id, first.eventId);
      await release(second);
      for (const id of recipients) await wait(id, second.eventId);
      const stored = (await db.query(
        `SELECT count(*)::int AS n FROM released_events WHERE event_id IN ($1, $2)`,
        [first.eventId, second.eventId],
      )) as Array<{ n: number }>;
      expect(stored[0]?.n).toBe(0);
      await lock.commitTransaction();
    } finally {
      if (lock.isTransactionActive) await lock.rollbackTransaction();
      await lock.release();
    }
    expect(await deliveryRows(first.eventId)).toEqual(sentBeforeStored(recipients));
    expect(await deliveryRows(second.eventId)).toEqual(sentBeforeStored(recipients));
  });

  it('records the copies it sent when a failed store is retried, instead of sending them again', async () => {
    const recipients = await takenOn();
    const refused = event();
    // The store refuses this release until the trigger is dropped; a sequence counts its attempts (nextval is
    // not rolled back with them).
    await db.query(`CREATE SEQUENCE it_store_attempts`);
    await db.query(
      `CREATE FUNCTION it_refuse_store() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM nextval('it_store_attempts'); RAISE EXCEPTION 'store refused by the test'; END $$`,
    );
    await db.query(
      `CREATE TRIGGER it_refuse_store BEFORE INSERT ON released_events FOR EACH ROW
       WHEN (NEW.event_id = '${refused.eventId}') EXECUTE FUNCTION it_refuse_store()`,
    );
    try {
      const before = await Promise.all(recipients.map(deliveriesCounted));
      await release(refused);
      for (const id of recipients) await wait(id, refused.eventId);
      await until('a second attempt at the store', async () => {
        const [seq] = (await db.query(`SELECT last_value, is_called FROM it_store_attempts`)) as Array<{
          last_value: string;
          is_called: boolean;
        }>;
        return seq?.is_called && Number(seq.last_value) >= 2 ? true : undefined;
      });
      await db.query(`DROP TRIGGER it_refuse_store ON released_events`);
      expect(await deliveryRows(refused.eventId)).toEqual(sentBeforeStored(recipients));
      // One publish per subscriber, whatever the number of attempts at the store.
      const after = await Promise.all(recipients.map(deliveriesCounted));
      expect(after.map((n, i) => n - (before[i] as number))).toEqual(recipients.map(() => 1));
    } finally {
      await db.query(`DROP TRIGGER IF EXISTS it_refuse_store ON released_events`);
      await db.query(`DROP FUNCTION IF EXISTS it_refuse_store()`);
      await db.query(`DROP SEQUENCE IF EXISTS it_store_attempts`);
    }
  });

  it('keeps delivering to everyone else while one subscriber topic fails, shows its backlog, then catches it up in order', async () => {
    // No permission on the topic, and it is gone: every metadata request for it fails.
    await controlBroker(`topic-error ${shareTopic(ids.broken)} TOPIC_AUTHORIZATION_FAILED`);
    const batch = Array.from({ length: 20 }, () =>
      event({ techniques: [{ id: 'T1486', name: 'Data Encrypted for Impact' }, { id: 'T1071.001' }] }),
    );
    const batchIds = batch.map((e) => e.eventId);
    try {
      await release(...batch);
      for (const e of batch) await wait(ids.steady, e.eventId);
      for (const e of batch) await wait(ids.isac, e.eventId);
      const backlog = await until('the fragile backlog to show the failure', async () => {
        const res = await operator('backlog');
        const body = (await res.json()) as { subscribers: Array<Record<string, unknown>> };
        const b = body.subscribers.find((s) => s['subscriberId'] === ids.broken);
        return b && Number(b['pending']) >= batch.length && Number(b['failures']) > 0 ? b : undefined;
      });
      expect(backlog['lastError']).toBe('TOPIC_AUTHORIZATION_FAILED');
      expect(backlog['oldestAgeSeconds']).toEqual(expect.any(Number));
      const [stuck] = (await db.query(
        `SELECT count(*)::int AS n FROM deliveries
         WHERE subscriber_id = $1 AND event_id = ANY($2) AND delivered_at IS NULL`,
        [ids.broken, batchIds],
      )) as Array<{ n: number }>;
      expect(stuck!.n).toBe(batch.length);
      expect((await fetch(`${fanout.url}/fanout/backlog`)).status).toBe(401);
    } finally {
      await controlBroker(`topic-error ${shareTopic(ids.broken)} 0`);
    }

    // Recovered on its own schedule: everything delivered, in queue order.
    const rows = await until('the fragile backlog to drain', async () => {
      const r = (await db.query(
        `SELECT seq::text, delivered_at FROM deliveries
         WHERE subscriber_id = $1 AND event_id = ANY($2) AND channel = 'kafka' ORDER BY seq`,
        [ids.broken, batchIds],
      )) as Array<{ seq: string; delivered_at: Date | null }>;
      return r.every((x) => x.delivered_at) ? r : undefined;
    });
    const times = rows.map((r) => r.delivered_at!.getTime());
    expect(times).toEqual([...times].sort((x, y) => x - y));
    // Delivering again, it is back on the shared producers: the one of its own is closed.
    expect(await producers('own')).toBe('0');
    // A reader started now sees the whole backlog arrive. The one it replaces is stopped: left running, its
    // consumer crashed after the suite had ended.
    await readers.get(ids.broken)?.stop();
    readers.set(ids.broken, await new TopicReader(kafka, [shareTopic(ids.broken)]).start());
    for (const e of batch) await wait(ids.broken, e.eventId);
  });

  it('recovers a subscriber whose topic was deleted', async () => {
    await controlBroker(`delete-topic ${shareTopic(ids.steady)}`);
    const e = event();
    await release(e);
    await wait(ids.isac, e.eventId);
    const rows = await until('the steady delivery to be acknowledged', async () => {
      const r = (await db.query(
        `SELECT delivered_at FROM deliveries WHERE subscriber_id = $1 AND event_id = $2 AND delivered_at IS NOT NULL`,
        [ids.steady, e.eventId],
      )) as unknown[];
      return r.length ? r : undefined;
    });
    expect(rows).toHaveLength(1);
  });
});

describe('TAXII 2.1 over HTTP', () => {
  it('serves discovery, the API root and only the caller’s own collection, with TAXII media types', async () => {
    expect((await taxii('', undefined)).status).toBe(401);
    expect((await taxii('', 'Bearer not-a-key-not-a-key-not-a-key-x')).status).toBe(401);
    const discovery = await taxii('', bearer(keys.isac));
    expect(discovery.status).toBe(200);
    expect(discovery.headers.get('content-type')).toBe('application/taxii+json;version=2.1');
    expect(discovery.body['api_roots']).toEqual(['/taxii2/share/']);
    const root = await taxii('share/', bearer(keys.isac));
    expect(root.body['versions']).toEqual(['application/taxii+json;version=2.1']);
    const cols = await taxii('share/collections/', bearer(keys.isac));
    expect(cols.body['collections']).toEqual([
      expect.objectContaining({ id: collectionIdFor(ids.isac), can_read: true, can_write: false }),
    ]);
    expect((await taxii(`${collectionPath(ids.iot)}/`, bearer(keys.isac))).status).toBe(404);
    expect((await taxii(`${collectionPath(ids.iot)}/objects/`, bearer(keys.isac))).status).toBe(404);
    const basic = `Basic ${Buffer.from(`${ids.iot}:${keys.iot}`).toString('base64')}`;
    expect((await taxii(`${collectionPath(ids.iot)}/`, basic)).status).toBe(200);
    const wrongUser = `Basic ${Buffer.from(`${ids.isac}:${keys.iot}`).toString('base64')}`;
    expect((await taxii(`${collectionPath(ids.iot)}/`, wrongUser)).status).toBe(401);
    expect((await taxii('share/collections/', bearer(keys.isac), 'text/html')).status).toBe(406);
  });

  it('pages through many objects without gaps or repeats, with date headers and filters', async () => {
    const many = Array.from({ length: 40 }, () => event());
    await release(...many);
    // Partitions are consumed independently: wait until every one of the 40 is in the collection.
    await until('all 40 events in the collection', async () => {
      const [r] = (await db.query(
        `SELECT count(DISTINCT event_id)::int AS n FROM taxii_objects WHERE collection = $1 AND event_id = ANY($2)`,
        [ids.picky, many.map((e) => e.eventId)],
      )) as Array<{ n: number }>;
      return r?.n === many.length ? true : undefined;
    });

    const manifest: Array<{ id: string; version: string; date_added: string }> = [];
    let next: string | undefined;
    do {
      const page = await taxii(
        `${collectionPath(ids.picky)}/manifest/?match[version]=all&limit=50${next ? `&next=${next}` : ''}`,
        bearer(keys.picky),
      );
      expect(page.status).toBe(200);
      manifest.push(...((page.body['objects'] ?? []) as typeof manifest));
      next = page.body['more'] ? (page.body['next'] as string) : undefined;
    } while (next);
    expect(manifest.length).toBeGreaterThan(200);

    const seen: string[] = [];
    const pages: number[] = [];
    next = undefined;
    do {
      const page = await taxii(
        `${collectionPath(ids.picky)}/objects/?match[version]=all&limit=17${next ? `&next=${next}` : ''}`,
        bearer(keys.picky),
      );
      const objects = page.body['objects'] as Array<{ id: string; modified?: string; created: string }>;
      pages.push(objects.length);
      expect(objects.length).toBeLessThanOrEqual(17);
      expect(page.headers.get('x-taxii-date-added-first')).toMatch(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
      );
      expect(
        page.headers.get('x-taxii-date-added-last')! >= page.headers.get('x-taxii-date-added-first')!,
      ).toBe(true);
      if (validate)
        expect(
          validate({ type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects }),
        ).toEqual({ valid: true, errors: [] });
      seen.push(...objects.map((o) => `${o.id}@${o.modified ?? o.created}`));
      next = page.body['more'] ? (page.body['next'] as string) : undefined;
    } while (next);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(manifest.map((m) => `${m.id}@${m.version}`));
    expect(pages.length).toBeGreaterThan(10);

    // added_after continues exactly after a page's last date.
    const first = await taxii(
      `${collectionPath(ids.picky)}/objects/?match[version]=all&limit=10`,
      bearer(keys.picky),
    );
    const after = first.headers.get('x-taxii-date-added-last')!;
    const rest = await taxii(
      `${collectionPath(ids.picky)}/manifest/?match[version]=all&limit=50&added_after=${after}`,
      bearer(keys.picky),
    );
    expect((rest.body['objects'] as typeof manifest)[0]).toEqual(manifest[10]);

    const indicator = manifest.find((m) => m.id.startsWith('indicator--'))!;
    const byId = await taxii(
      `${collectionPath(ids.picky)}/objects/?match[id]=${indicator.id}`,
      bearer(keys.picky),
    );
    expect((byId.body['objects'] as Array<{ id: string }>).map((o) => o.id)).toEqual([indicator.id]);
    const types = await taxii(
      `${collectionPath(ids.picky)}/objects/?match[type]=sighting,malware&limit=50`,
      bearer(keys.picky),
    );
    expect(new Set((types.body['objects'] as Array<{ type: string }>).map((o) => o.type))).toEqual(
      new Set(['sighting', 'malware']),
    );
    expect((await taxii(`${collectionPath(ids.picky)}/objects/?limit=0`, bearer(keys.picky))).status).toBe(
      400,
    );
    expect(
      (await taxii(`${collectionPath(ids.picky)}/objects/?next=garbage`, bearer(keys.picky))).status,
    ).toBe(400);
    const none = await taxii(
      `${collectionPath(ids.picky)}/objects/?match[id]=indicator--00000000-0000-4000-8000-000000000000`,
      bearer(keys.picky),
    );
    expect(none.body).toEqual({});
  });
});

describe('revocation', () => {
  it('sends the revoked versions to every subscriber that got the event, over Kafka and TAXII', async () => {
    const e = event();
    await release(e);
    // (steady's topic was deleted and re-created above; its reader may not follow, so it is checked in
    // PostgreSQL below.)
    const readable = [ids.isac, ids.picky, ids.strict];
    for (const id of readable) await wait(id, e.eventId);
    const original = bundleOf(got(ids.isac, e.eventId)[0]!);
    await revoke(e.eventId);

    for (const id of readable) {
      const [revoked] = await readerOf(id).waitFor(
        (m) => m.key === e.eventId && m.value.includes('"revoked":true'),
      );
      const bundle = bundleOf(revoked!);
      const claims = bundle.objects.filter((o) => o['revoked'] === true);
      expect(claims.length).toBeGreaterThan(0);
      for (const o of claims) {
        const before = original.objects.find((x) => x['id'] === o['id'])!;
        expect(before).toBeDefined();
        expect(o['created']).toBe(before['created']);
        expect(Date.parse(String(o['modified']))).toBeGreaterThan(Date.parse(String(before['modified'])));
      }
      if (validate) expect(validate(bundle)).toEqual({ valid: true, errors: [] });
    }
    expect(got(ids.iot, e.eventId)).toHaveLength(0);
    await until('every Kafka revocation acknowledged', async () => {
      const [r] = (await db.query(
        `SELECT count(*)::int AS n FROM deliveries
         WHERE event_id = $1 AND version = 2 AND channel = 'kafka' AND delivered_at IS NOT NULL
           AND subscriber_id = ANY($2::text[])`,
        [e.eventId, Object.values(ids)],
      )) as Array<{ n: number }>;
      return r && r.n === 4 ? true : undefined; // isac, picky, steady, strict
    }).catch(async (err: Error) => {
      const rows = (await db.query(
        `SELECT subscriber_id, channel, version, delivered_at, attempts, last_error FROM deliveries WHERE event_id = $1`,
        [e.eventId],
      )) as unknown[];
      throw new Error(`${err.message}: ${JSON.stringify(rows)}`);
    });

    const indicator = original.objects.find((o) => o['type'] === 'indicator')!;
    const latest = await until('the revoked version in the TAXII collection', async () => {
      const r = await taxii(
        `${collectionPath(ids.isac)}/objects/${String(indicator['id'])}/`,
        bearer(keys.isac),
      );
      const [o] = (r.body['objects'] ?? []) as Array<Record<string, unknown>>;
      return o?.['revoked'] === true ? o : undefined;
    });
    expect(latest['id']).toBe(indicator['id']);
    const versions = await taxii(
      `${collectionPath(ids.isac)}/objects/${String(indicator['id'])}/versions/`,
      bearer(keys.isac),
    );
    expect(versions.body['versions']).toEqual([indicator['modified'], latest['modified']]);

    const rows = (await db.query(
      `SELECT subscriber_id, channel FROM deliveries
       WHERE event_id = $1 AND version = 2 AND subscriber_id = ANY($2::text[]) ORDER BY 1, 2`,
      [e.eventId, Object.values(ids)],
    )) as Array<{ subscriber_id: string; channel: string }>;
    expect(rows.map((r) => `${r.subscriber_id}/${r.channel}`)).toEqual(
      [
        `${ids.isac}/kafka`,
        `${ids.isac}/taxii`,
        `${ids.picky}/kafka`,
        `${ids.picky}/taxii`,
        `${ids.steady}/kafka`,
        `${ids.strict}/kafka`,
      ].sort(),
    );
    // A replayed revocation changes nothing. Revocations are one partition, so once a later one is
    // delivered the replay has been processed.
    const later = event();
    await release(later);
    await wait(ids.isac, later.eventId);
    await revoke(e.eventId);
    await revoke(later.eventId);
    await wait(ids.isac, later.eventId, 2);
    expect(got(ids.isac, e.eventId).filter((m) => m.value.includes('"revoked":true'))).toHaveLength(1);
  });
});

describe('embargo', () => {
  async function parked(eventIds: string[]) {
    return (await db.query(
      `SELECT event_id, withdrawn_at FROM embargoed_releases WHERE event_id = ANY($1::text[]) ORDER BY event_id`,
      [eventIds],
    )) as Array<{ event_id: string; withdrawn_at: Date | null }>;
  }

  /** `GET /fanout/embargoed`: what the operator sees of parked releases. */
  async function embargoedView() {
    const res = await operator('embargoed');
    expect(res.status).toBe(200);
    return (await res.json()) as {
      waiting: number;
      failed: number;
      releases: Array<{
        eventId: string;
        releaseAt: string;
        failedAt: string | null;
        failure: string | null;
      }>;
    };
  }

  /** Shared with everyone, under an agreement whose embargo ends `ms` from now. */
  const embargo = (ms: number) => ({
    tlp: 'green' as const,
    audience: { kind: 'all' as const },
    agreementVersion: 3,
    embargoUntil: new Date(Date.now() + ms).toISOString(),
  });

  it("holds a release back until its agreement's embargo ends, and a withdrawal under embargo stops it", async () => {
    const withdrawn = event({ distribution: embargo(3000) });
    const held = event({ distribution: embargo(3500) });
    await release(withdrawn, held);
    await until('both parked', async () => {
      const rows = await parked([withdrawn.eventId, held.eventId]);
      return rows.length === 2 ? rows : undefined;
    });
    // The operator sees both waiting, with when each may go, and nothing of their content.
    const view = await embargoedView();
    expect(
      view.releases.filter((r) => r.eventId === withdrawn.eventId || r.eventId === held.eventId),
    ).toEqual([
      expect.objectContaining({
        eventId: withdrawn.eventId,
        releaseAt: withdrawn.distribution.embargoUntil,
        failedAt: null,
      }),
      expect.objectContaining({
        eventId: held.eventId,
        releaseAt: held.distribution.embargoUntil,
        failedAt: null,
      }),
    ]);
    expect(view.waiting).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(view)).not.toContain(held.title);
    await revoke(withdrawn.eventId);
    await until('the withdrawal under embargo', async () => {
      const rows = await parked([withdrawn.eventId]);
      return rows[0]?.withdrawn_at != null ? rows : undefined;
    });
    expect((await embargoedView()).releases.map((r) => r.eventId)).not.toContain(withdrawn.eventId);

    const [delivered] = await readerOf(ids.steady).waitFor((m) => m.key === held.eventId);
    expect(delivered!.timestamp).toBeGreaterThanOrEqual(Date.parse(held.distribution.embargoUntil!));
    // Embargoes end in order, so had the withdrawn release been routed it would have arrived first.
    expect(readerOf(ids.steady).messages.filter((m) => m.key === withdrawn.eventId)).toHaveLength(0);
    const stored = (await db.query(`SELECT event_id FROM released_events WHERE event_id = ANY($1::text[])`, [
      [withdrawn.eventId, held.eventId],
    ])) as Array<{ event_id: string }>;
    expect(stored.map((r) => r.event_id)).toEqual([held.eventId]);
  });
  it('marks a release it cannot render when its embargo ends, and routes the releases due after it', async () => {
    // The schema takes any string as observedAt; the STIX renderer refuses one that is not a time.
    const unrenderable = event({ observedAt: 'not a time', distribution: embargo(1500) });
    const after = event({ distribution: embargo(2500) });
    await release(unrenderable, after);

    const [delivered] = await readerOf(ids.steady).waitFor((m) => m.key === after.eventId);
    expect(delivered!.timestamp).toBeGreaterThanOrEqual(Date.parse(after.distribution.embargoUntil!));
    const [kept] = (await db.query(`SELECT failed_at, failure FROM embargoed_releases WHERE event_id = $1`, [
      unrenderable.eventId,
    ])) as Array<{ failed_at: Date | null; failure: string | null }>;
    expect(kept?.failure).toBe('FANOUT.UNRENDERABLE_EVENT');
    expect(kept?.failed_at).not.toBeNull();
    // The operator finds it without SQL, and a gauge says failed releases wait for someone (counted per pass).
    const view = await embargoedView();
    expect(view.releases.find((r) => r.eventId === unrenderable.eventId)).toMatchObject({
      failure: 'FANOUT.UNRENDERABLE_EVENT',
      failedAt: expect.any(String),
    });
    expect(view.releases.map((r) => r.eventId)).not.toContain(after.eventId);
    expect(view.failed).toBeGreaterThanOrEqual(1);
    await until('the failed-embargo gauge', async () => {
      const gauge = await metric(/^kyoyu_fanout_embargoed_releases\{[^}]*state="failed"[^}]*\} (\d+)/m);
      return Number(gauge) === view.failed ? true : undefined;
    });
    const stored = (await db.query(`SELECT event_id FROM released_events WHERE event_id = ANY($1::text[])`, [
      [unrenderable.eventId, after.eventId],
    ])) as Array<{ event_id: string }>;
    expect(stored.map((r) => r.event_id)).toEqual([after.eventId]);
  });
});

describe("fan-out's own egress guard", () => {
  // A customer of the registry: fan-out knows no event's source, so it checks every registered customer's.
  const customer: Customer = {
    ...AUTO_CUSTOMER,
    id: `guarded-${run}`,
    names: [`Kumogata Seiki ${run}`],
    domains: [`kumogata-${run}.co.jp`],
    emailDomains: [],
    publicRanges: ['192.0.2.128/28'],
    adDomains: [],
    cloudAccounts: [],
    siemTenants: [],
  };
  // One who has left: its records are refused now, but its names must still never be shared.
  const former: Customer = {
    ...customer,
    id: `former-${run}`,
    names: [`Shirasagi Unyu ${run}`],
    domains: [`shirasagi-${run}.jp`],
    publicRanges: [],
  };
  const heldIds = async () =>
    ((await (await operator('held')).json()) as { held: Array<{ eventId: string; hits: unknown[] }> }).held;

  beforeAll(async () => {
    await upsertCustomers(db, [customer, former]);
    await db.query(`UPDATE customers SET deactivated_at = now(), updated_at = now() WHERE id = $1`, [
      former.id,
    ]);
  });

  it('holds an event naming a registered customer before any subscriber gets it, and the operator can release it', async () => {
    const base = `beacon to portal.kumogata-${run}.co.jp`;
    // Plain, hidden in a decoded view, and an address in the customer's public range.
    const named = event({ title: base });
    const encoded = event({
      title: `ET POLICY ${Buffer.from(`login.kumogata-${run}.co.jp`).toString('base64')}`,
    });
    const address = event({ indicators: [{ type: 'ipv4', value: '192.0.2.130', role: 'attacker' }] });
    const formerName = event({ title: `mail relayed by relay.shirasagi-${run}.jp` });
    const clean = event();
    // The registry is re-read every two seconds: until the customer is known, an event could pass.
    await until('the customer in the registry', async () => {
      const probe = event({ title: `probe ${base}` });
      await release(probe);
      return (await heldIds()).some((h) => h.eventId === probe.eventId) ? true : undefined;
    });
    await release(named, encoded, address, formerName, clean);
    await wait(ids.steady, clean.eventId);
    const stopped = [named, encoded, address, formerName];
    const held = await until('four holds', async () => {
      const open = (await heldIds()).filter((h) => stopped.some((e) => e.eventId === h.eventId));
      return open.length === stopped.length ? open : undefined;
    });
    expect(JSON.stringify(held)).not.toMatch(/kumogata|shirasagi/i);
    for (const e of stopped) expect(got(ids.steady, e.eventId)).toHaveLength(0);
    expect(
      Number(await metric(/kyoyu_egress_guard_hits_total\{[^}]*stage="fanout"[^}]*\} (\d+)/)),
    ).toBeGreaterThan(0);
    // The open holds wait for the operator: the gauge shows how many (counted every 5 s).
    await until('the open-holds gauge', async () => {
      const [row] = (await db.query(
        `SELECT count(*)::int AS n FROM guard_held_releases WHERE resolved_at IS NULL`,
      )) as Array<{ n: number }>;
      const gauge = await metric(/^kyoyu_fanout_guard_holds_open(?:\{[^}]*\})? (\d+)/m);
      return row && row.n >= stopped.length && Number(gauge) === row.n ? true : undefined;
    });

    // A false alarm, in the operator's judgement: released, then delivered as any other.
    expect((await operator(`held/${address.eventId}/release`, { method: 'POST' })).status).toBe(200);
    await wait(ids.steady, address.eventId);
    expect((await operator(`held/${address.eventId}/release`, { method: 'POST' })).status).toBe(404);
    // A withdrawal of a held event stops it for good.
    await revoke(named.eventId);
    await until('the withdrawal', async () =>
      (await heldIds()).some((h) => h.eventId === named.eventId) ? undefined : true,
    );
    expect((await operator(`held/${named.eventId}/release`, { method: 'POST' })).status).toBe(404);
    expect(got(ids.steady, named.eventId)).toHaveLength(0);
  });

  it('checks an embargoed release again when its embargo ends, against the registry of then', async () => {
    const late: Customer = {
      ...former,
      id: `late-${run}`,
      names: [`Hibari Kikai ${run}`],
      domains: [`hibari-${run}.jp`],
    };
    const parked = event({
      title: `beacon to cdn.hibari-${run}.jp`,
      distribution: {
        tlp: 'green',
        audience: { kind: 'all' },
        agreementVersion: 1,
        embargoUntil: new Date(Date.now() + 6000).toISOString(),
      },
    });
    await release(parked);
    await until('the release parked', async () => {
      const rows = (await db.query(`SELECT 1 FROM embargoed_releases WHERE event_id = $1`, [
        parked.eventId,
      ])) as unknown[];
      return rows.length > 0 ? true : undefined;
    });
    const guardHits = async () =>
      Number((await metric(/kyoyu_egress_guard_hits_total\{[^}]*stage="fanout"[^}]*\} (\d+)/)) ?? 0);
    const hitsBefore = await guardHits();
    // Registered while the release waits: unknown when it arrived, known when it would go out.
    await upsertCustomers(db, [late]);
    const [hold] = await until('the hold', async () => {
      const open = (await heldIds()).filter((h) => h.eventId === parked.eventId);
      return open.length > 0 ? open : undefined;
    });
    expect(hold!.hits).toContainEqual({ kind: 'domain', view: 'json' });
    expect(got(ids.steady, parked.eventId)).toHaveLength(0);
    const stored = (await db.query(`SELECT 1 FROM released_events WHERE event_id = $1`, [
      parked.eventId,
    ])) as unknown[];
    expect(stored).toHaveLength(0);
    // Counted as fan-out's egress-guard hits are on arrival (once the hold's transaction has committed).
    await until('the hit counted', async () => ((await guardHits()) > hitsBefore ? true : undefined));
    expect(await guardHits()).toBe(hitsBefore + 1);
  });
});

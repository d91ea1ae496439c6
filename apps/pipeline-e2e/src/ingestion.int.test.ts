import { randomBytes } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import {
  Headers,
  Topics,
  decodeEvent,
  principalRawTopic,
  type AlertRejectedEvent,
  type Customer,
} from '@kyoyu/contracts';
import { openDataSource, upsertCustomers } from '@kyoyu/persistence';
import {
  ServiceProcess,
  TopicReader,
  connectedProducer,
  controlBroker,
  freePort,
  localSecrets,
  serviceEnv,
  testKafka,
  type ReadMessage,
} from '@kyoyu/testing';
import { AUTO_CUSTOMER, REVIEW_CUSTOMER, suricataAlert } from './fixtures';

/**
 * Ingestion alone on the real broker and PostgreSQL: every record ends in exactly one recorded outcome
 * (normalized, rejected with a reason, or a counted duplicate), bad records never hold up good ones, and a
 * record is attributed by the topic its principal may write to, not by what its header claims.
 */
const run = randomBytes(3).toString('hex');
const principal = `siem-${run}`;
const PRINCIPAL_CUSTOMER: Customer = {
  ...AUTO_CUSTOMER,
  id: `principal-co-${run}`,
  kafkaPrincipals: [principal],
};

let kafka: Kafka;
let producer: Producer;
let reader: TopicReader;
let db: DataSource;
let ingestion: ServiceProcess;
let flow = 5_000_000;

beforeAll(async () => {
  const bootstrap = (process.env.KYOYU_IT_BOOTSTRAP ?? '').split(',');
  const databaseUrl = process.env.KYOYU_IT_DATABASE_URL ?? '';
  db = await openDataSource(databaseUrl, 'kyoyu-it-ingestion');
  await upsertCustomers(db, [AUTO_CUSTOMER, REVIEW_CUSTOMER, PRINCIPAL_CUSTOMER]);
  await controlBroker(`create-topic ${principalRawTopic(principal)} 2`);
  kafka = testKafka(bootstrap);
  producer = await connectedProducer(kafka);
  reader = await new TopicReader(kafka, [Topics.AlertsNormalized, Topics.AlertsRejected]).start();
  const port = await freePort();
  const env = serviceEnv('ingestion', { bootstrap, databaseUrl, ...localSecrets() }, port);
  ingestion = new ServiceProcess('ingestion', { ...env, SOURCE_PRINCIPALS: principal }, port);
  ingestion.start();
  await ingestion.waitReady();
});

afterAll(async () => {
  await ingestion?.stop();
  await reader?.stop();
  await producer?.disconnect();
  await db?.destroy();
});

function goodAlert(): string {
  const n = ++flow;
  return suricataAlert({
    flowId: n,
    internalIp: '10.9.8.7',
    // TEST-NET-2, apart from the other suites' TEST-NET-3 attackers: they look for bundles by address.
    attackerIp: `198.51.100.${n % 250}`,
    hostname: `ws-${n}`,
    user: `user${n}`,
  });
}

const BAD: Array<{ value: Buffer; reason: string }> = [
  { value: Buffer.from('{"event_type":"alert","dest_ip":"198.51.100.1"'), reason: 'MALFORMED_JSON' },
  { value: Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x00, 0x80]), reason: 'INVALID_UTF8' },
  { value: Buffer.from('plain text that is no SIEM format at all'), reason: 'UNKNOWN_FORMAT' },
  { value: Buffer.from('{"a":1,"a":2}'), reason: 'DUPLICATE_KEY' },
  { value: Buffer.from(`${'['.repeat(500)}${']'.repeat(500)}`), reason: 'TOO_DEEP' },
  { value: Buffer.from(JSON.stringify({ event_type: 'flow', src_ip: '10.0.0.1' })), reason: 'NOT_AN_ALERT' },
];

interface Sent {
  partition: number;
  offset: string;
}

async function send(
  topic: string,
  values: Array<string | Buffer>,
  headers: Record<string, string>,
): Promise<Sent[]> {
  // One partition, so the offsets name the records in the order sent.
  const [meta] = await producer.send({
    topic,
    acks: -1,
    messages: values.map((value) => ({ key: 'k', value, headers, partition: 0 })),
  });
  const base = BigInt(meta?.baseOffset ?? '0');
  return values.map((_, i) => ({ partition: 0, offset: (base + BigInt(i)).toString() }));
}

async function outcomes(
  topic: string,
  sent: Sent[],
): Promise<Map<string, { outcome: string; reason: string | null; source_org: string | null }>> {
  const rows = (await db.query(
    `SELECT origin, outcome, reason, source_org FROM ingest_outcomes WHERE origin = ANY($1::text[])`,
    [sent.map((s) => `${topic}/${s.partition}/${s.offset}`)],
  )) as Array<{ origin: string; outcome: string; reason: string | null; source_org: string | null }>;
  return new Map(rows.map((r) => [r.origin, r]));
}

async function waitForOutcomes(topic: string, sent: Sent[]) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = await outcomes(topic, sent);
    if (found.size === sent.length) return found;
    if (Date.now() > deadline) throw new Error(`${found.size} of ${sent.length} outcomes recorded`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function fromOrigin(topic: string, sent: Sent[]) {
  const offsets = new Set(sent.map((s) => `${s.partition}/${s.offset}`));
  return (m: ReadMessage) => {
    if (m.topic === Topics.AlertsNormalized) {
      const src = decodeEvent(Topics.AlertsNormalized, Buffer.from(m.value)).source;
      return src?.topic === topic && offsets.has(`${src.partition}/${src.offset}`);
    }
    if (m.topic === Topics.AlertsRejected) {
      const o = (JSON.parse(m.value) as AlertRejectedEvent).data.origin;
      return o.topic === topic && offsets.has(`${o.partition}/${o.offset}`);
    }
    return false;
  };
}

it('accounts for every record of a mixed stream: in = normalized + rejected + duplicates', async () => {
  const goods = Array.from({ length: 30 }, goodAlert);
  const dups = goods.slice(0, 10);
  // A bad record first and bad records between good ones: nothing after them may stall.
  const stream: Array<string | Buffer> = [BAD[0]!.value];
  goods.forEach((g, i) => {
    stream.push(g);
    if (i % 7 === 3) stream.push(BAD[(i % (BAD.length - 1)) + 1]!.value);
  });
  stream.push(...dups);
  const badCount = stream.length - goods.length - dups.length;

  const sent = await send(Topics.AlertsRaw, stream, { [Headers.SourceOrg]: AUTO_CUSTOMER.id });
  const rows = await waitForOutcomes(Topics.AlertsRaw, sent);
  const by = (o: string) => [...rows.values()].filter((r) => r.outcome === o).length;
  expect({
    in: stream.length,
    normalized: by('normalized'),
    rejected: by('rejected'),
    duplicate: by('duplicate'),
  }).toEqual({
    in: stream.length,
    normalized: goods.length,
    rejected: badCount,
    duplicate: dups.length,
  });

  const out = await reader.waitFor(fromOrigin(Topics.AlertsRaw, sent), goods.length + badCount);
  expect(out.filter((m) => m.topic === Topics.AlertsNormalized)).toHaveLength(goods.length);
  const rejections = out.filter((m) => m.topic === Topics.AlertsRejected);
  expect(rejections).toHaveLength(badCount);
  // Each rejection carries its stable reason and the original bytes, and the ledger agrees with it.
  for (const m of rejections) {
    const d = (JSON.parse(m.value) as AlertRejectedEvent).data;
    const original = Buffer.from(d.original.base64 ?? '', 'base64');
    const expected = BAD.find((b) => b.value.equals(original));
    expect(d.reason).toBe(expected?.reason);
    expect(rows.get(`${d.origin.topic}/${d.origin.partition}/${d.origin.offset}`)?.reason).toBe(d.reason);
  }
  // The last good record (sent after the last bad one) was emitted.
  const lastGood = sent[stream.lastIndexOf(goods[goods.length - 1]!)]!;
  expect(rows.get(`${Topics.AlertsRaw}/0/${lastGood.offset}`)?.outcome).toBe('normalized');
});

it("attributes a principal's topic to that principal's customer, whatever the header claims", async () => {
  const topic = principalRawTopic(principal);
  const sent = await send(topic, [goodAlert(), goodAlert()], { [Headers.SourceOrg]: REVIEW_CUSTOMER.id });
  const rows = await waitForOutcomes(topic, sent);
  expect([...rows.values()].map((r) => [r.outcome, r.source_org])).toEqual([
    ['normalized', PRINCIPAL_CUSTOMER.id],
    ['normalized', PRINCIPAL_CUSTOMER.id],
  ]);
  const normalized = await reader.waitFor(fromOrigin(topic, sent), 2);
  for (const m of normalized) {
    expect(decodeEvent(Topics.AlertsNormalized, Buffer.from(m.value)).data.sourceOrg).toBe(
      PRINCIPAL_CUSTOMER.id,
    );
  }
});

it('rejects records of unregistered sources with UNKNOWN_SOURCE, and takes operator replays at their word', async () => {
  const unknown = await send(Topics.AlertsRaw, [goodAlert()], { [Headers.SourceOrg]: 'nobody-registered' });
  const noHeader = await send(Topics.AlertsRaw, [goodAlert()], {});
  const replay = await send(Topics.AlertsReplay, [goodAlert()], { [Headers.SourceOrg]: REVIEW_CUSTOMER.id });

  for (const s of [unknown, noHeader]) {
    const [row] = [...(await waitForOutcomes(Topics.AlertsRaw, s)).values()];
    expect([row?.outcome, row?.reason]).toEqual(['rejected', 'UNKNOWN_SOURCE']);
  }
  const [replayed] = [...(await waitForOutcomes(Topics.AlertsReplay, replay)).values()];
  expect([replayed?.outcome, replayed?.source_org]).toEqual(['normalized', REVIEW_CUSTOMER.id]);
});

it("rejects a deactivated customer's records once the registry change reaches ingestion, without a restart", async () => {
  const topic = principalRawTopic(principal);
  await db.query(`UPDATE customers SET deactivated_at = now(), updated_at = now() WHERE id = $1`, [
    PRINCIPAL_CUSTOMER.id,
  ]);
  // The registry view refreshes on its own schedule: keep sending until a record meets the change.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const sent = await send(topic, [goodAlert()], {});
    const [row] = [...(await waitForOutcomes(topic, sent)).values()];
    if (row?.outcome === 'rejected') {
      expect(row.reason).toBe('UNKNOWN_SOURCE');
      break;
    }
    expect(row?.outcome).toBe('normalized');
    if (Date.now() > deadline) throw new Error('deactivation never reached ingestion');
  }
});

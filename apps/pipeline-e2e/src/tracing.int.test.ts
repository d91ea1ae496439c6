import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Kafka, Producer } from 'kafkajs';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { ConsumerLagMonitor } from '@kyoyu/messaging';
import { Headers, Topics, shareTopic, type Customer } from '@kyoyu/contracts';
import { openDataSource, upsertCustomers, upsertSubscribers } from '@kyoyu/persistence';
import {
  TopicReader,
  createReviewer,
  connectedProducer,
  freePort,
  localSecrets,
  sharedSamplesDir,
  startStages,
  testKafka,
  type ServiceProcess,
  type StackEnv,
  type StageName,
} from '@kyoyu/testing';
import { OPEN_STATES } from '@kyoyu/review-core';
import { AUTO_CUSTOMER, REVIEW_CUSTOMER, SUBSCRIBERS, suricataAlert } from './fixtures';
import { eventually } from './review-harness';

/**
 * Telemetry end to end: the four services export OTLP/HTTP to a receiver in this test and serve Prometheus
 * metrics; one trace per alert must connect every stage, and no span, log line or metric label may carry
 * victim data.
 */

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: OtlpAttribute[];
  events?: Array<{ name: string; attributes?: OtlpAttribute[] }>;
  status?: { code?: number; message?: string };
}
interface OtlpTraces {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }>;
  }>;
}

/** A span as the test reads it: flat attributes, the service that exported it. */
interface SeenSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  attributes: Record<string, string | number | boolean>;
  /** Everything a reader of the span could see, as one string, for the victim-data scan. */
  text: string;
}

function scalar(v: OtlpValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(scalar).join(',');
  return '';
}

function flatten(attrs: OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const a of attrs ?? []) out[a.key] = scalar(a.value);
  return out;
}

/** A minimal OTLP/HTTP trace receiver (JSON encoding, which @opentelemetry/exporter-trace-otlp-http sends). */
class OtlpReceiver {
  readonly spans: SeenSpan[] = [];
  readonly undecodable: string[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<this> {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        if (req.url === '/v1/traces' && String(req.headers['content-type']).startsWith('application/json')) {
          this.add(JSON.parse(body.toString('utf8')) as OtlpTraces);
        } else {
          this.undecodable.push(`${req.url ?? ''} ${String(req.headers['content-type'])}`);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    return this;
  }

  private add(body: OtlpTraces): void {
    for (const rs of body.resourceSpans ?? []) {
      const resource = flatten(rs.resource?.attributes);
      const service = String(resource['service.name'] ?? '');
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const attributes = flatten(s.attributes);
          this.spans.push({
            service,
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId || undefined,
            name: s.name,
            attributes,
            text: JSON.stringify({
              name: s.name,
              attributes: s.attributes,
              events: s.events,
              status: s.status,
              resource: rs.resource,
              scope: ss.scope,
            }),
          });
        }
      }
    }
  }

  /** Polls (never sleeps blindly) until the predicate holds over the spans received so far. */
  async waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 45_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what} (${this.summary()})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Spans received per service and span name, for a failure message. */
  summary(): string {
    const n = new Map<string, number>();
    for (const s of this.spans) n.set(`${s.service}/${s.name}`, (n.get(`${s.service}/${s.name}`) ?? 0) + 1);
    return [...n].map(([k, v]) => `${k}: ${v}`).join(', ') || 'no spans';
  }

  trace(traceId: string): SeenSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** A fictitious registry entry for the organisation in the public Suricata samples. */
const SAMPLE_CUSTOMER: Customer = {
  ...AUTO_CUSTOMER,
  id: 'sunny-station',
  names: ['Sunny Station Inc.', 'SunnyStation'],
  domains: ['sunnystation.com'],
  emailDomains: ['sunnystation.com'],
  publicRanges: ['173.166.146.112/32'],
  internalRanges: ['172.16.0.0/16'],
  adDomains: [{ dnsName: 'sunnystation.com', netbiosName: 'SUNNYSTATION' }],
  cloudAccounts: [],
  siemTenants: [],
  keywords: [],
};

const CUSTOMERS = [AUTO_CUSTOMER, REVIEW_CUSTOMER, SAMPLE_CUSTOMER];

/** Every identifier the registry holds for the customers: none may appear in telemetry. */
function registryIdentifiers(): string[] {
  const out: string[] = [];
  for (const c of CUSTOMERS) {
    out.push(c.id, ...c.names, ...c.domains, ...c.emailDomains, ...c.cloudAccounts, ...c.siemTenants);
    for (const r of c.publicRanges) out.push(r.split('/')[0]!);
    for (const d of c.adDomains)
      out.push(...[d.dnsName, d.netbiosName, d.sid].filter((x): x is string => !!x));
  }
  return out;
}

interface SampleAlert {
  line: string;
  /** Host and user names and internal addresses the alert carries (victim data). */
  victim: string[];
}

const INTERNAL_IP = /^(10\.|172\.(1[6-9]|2\d|3[01])\.|192\.168\.)/;
/** Generic values that name no one (built-in accounts, placeholders, OS names). */
const GENERIC = new Set([
  'system',
  'nt authority',
  'user',
  'default',
  'string',
  'windows',
  'ubuntu',
  'debian',
]);

/** The host and user names and internal addresses in an alert's structured fields. */
function victimValues(doc: unknown): string[] {
  const out: string[] = [];
  const pick = (v: unknown) => {
    for (const x of Array.isArray(v) ? v : [v]) {
      if (typeof x === 'string' && x.length >= 5 && !GENERIC.has(x.toLowerCase())) out.push(x);
    }
  };
  const d = doc as Record<string, Record<string, unknown> | undefined>;
  for (const obj of ['host', 'user', 'agent']) {
    for (const field of ['name', 'hostname', 'domain']) pick(d[obj]?.[field]);
  }
  for (const ip of [
    d['src_ip'],
    d['dest_ip'],
    d['source']?.['ip'],
    d['destination']?.['ip'],
    d['host']?.['ip'],
  ]) {
    for (const x of Array.isArray(ip) ? ip : [ip])
      if (typeof x === 'string' && INTERNAL_IP.test(x)) out.push(x);
  }
  return out;
}

/**
 * Real alerts from ../shared/samples in three formats — Suricata EVE (the sunnystation capture), Wazuh
 * and Elastic ECS (endpoint, CrowdStrike, Windows Security) — with the victim values each one carries.
 */
function sampleAlerts(dir: string): SampleAlert[] {
  const ndjson = (file: string, filter: (l: string) => boolean, max: number) =>
    readFileSync(path.join(dir, file), 'utf8').split('\n').filter(filter).slice(0, max);
  const lines = [
    ...ndjson('suricata/sunnystation-2022-02-23-eve.json', (l) => l.includes('"event_type":"alert"'), 20),
    ...ndjson('wazuh/wazuh-sample-alerts.json', (l) => l.includes('compute.internal'), 5),
    ...ndjson(
      'wazuh/wazuh-sample-alerts.json',
      (l) => l.startsWith('{') && !l.includes('compute.internal'),
      5,
    ),
    ...[
      'crowdstrike/alert',
      'crowdstrike/falcon',
      'elastic-endpoint/alerts',
      'elastic-endpoint/api',
      'elastic-endpoint/process',
      'elastic-endpoint/network',
      'elastic-endpoint/security',
      'windows_security/sample',
    ].map((f) =>
      JSON.stringify(
        JSON.parse(
          readFileSync(
            path.join(dir, 'ecs', `${f}${f.endsWith('sample') ? '' : '.sample'}_event.json`),
            'utf8',
          ),
        ),
      ),
    ),
  ];
  return lines.map((line) => ({ line, victim: victimValues(JSON.parse(line)) }));
}

function leaks(text: string, secrets: readonly string[]): string[] {
  const lower = text.toLowerCase();
  return [...new Set(secrets.filter((s) => lower.includes(s.toLowerCase())))];
}

const STAGE_SERVICE: Record<StageName, string> = {
  ingestion: 'kyoyu-ingestion',
  deidentify: 'kyoyu-deidentify',
  review: 'kyoyu-review',
  fanout: 'kyoyu-fanout',
};

let receiver: OtlpReceiver;
let db: DataSource;
let kafka: Kafka;
let producer: Producer;
let reader: TopicReader;
let env: StackEnv;
let stages: Map<StageName, ServiceProcess>;
const metricsPorts = new Map<StageName, number>();
let flow = 7_000_000;
let autoTrace = '';

beforeAll(async () => {
  const bootstrap = (process.env['KYOYU_IT_BOOTSTRAP'] ?? '').split(',').filter(Boolean);
  const databaseUrl = process.env['KYOYU_IT_DATABASE_URL'] ?? '';
  if (!bootstrap.length || !databaseUrl) throw new Error('integration stack not started (global-setup.mjs)');
  receiver = await new OtlpReceiver().start();
  for (const s of ['ingestion', 'deidentify', 'review', 'fanout'] as const)
    metricsPorts.set(s, await freePort());
  env = {
    bootstrap,
    databaseUrl,
    ...localSecrets(),
    // debug: the more the services say, the more the victim-data scan of their logs covers.
    logLevel: 'debug',
    captureOutput: true,
    extraEnv: (stage) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
      // Export within 100 ms of a span ending, so the test waits on outcomes, not on the default 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
      METRICS_PORT: String(metricsPorts.get(stage)),
    }),
  };
  db = await openDataSource(databaseUrl, 'kyoyu-it-tracing');
  await upsertCustomers(db, CUSTOMERS);
  await upsertSubscribers(db, SUBSCRIBERS);
  kafka = testKafka(bootstrap);
  producer = await connectedProducer(kafka);
  reader = await new TopicReader(kafka, [
    ...SUBSCRIBERS.map((s) => shareTopic(s.id)),
    Topics.AlertsRejected,
  ]).start();
  stages = await startStages(env);
});

afterAll(async () => {
  await Promise.all([...(stages?.values() ?? [])].map((s) => s.stop()));
  await reader?.stop();
  await producer?.disconnect();
  await db?.destroy();
  await receiver?.stop();
});

/** Sends one raw record and returns where it landed (the coordinates the ingestion span names). */
async function send(
  sourceOrg: string,
  value: string | Buffer,
): Promise<{ partition: number; offset: number }> {
  const [meta] = await producer.send({
    topic: Topics.AlertsRaw,
    acks: -1,
    messages: [{ key: sourceOrg, value, headers: { [Headers.SourceOrg]: sourceOrg } }],
  });
  return { partition: meta!.partition, offset: Number(meta!.baseOffset ?? meta!.offset) };
}

/** The trace id of the ingestion span that consumed the record at these coordinates. */
async function traceOf(at: { partition: number; offset: number }): Promise<string> {
  const span = await receiver.waitFor(
    () =>
      receiver.spans.find(
        (s) =>
          s.service === 'kyoyu-ingestion' &&
          s.attributes['messaging.destination.name'] === Topics.AlertsRaw &&
          Number(s.attributes['messaging.kafka.partition']) === at.partition &&
          Number(s.attributes['messaging.kafka.offset']) === at.offset,
      ),
    `the ingestion span of ${Topics.AlertsRaw}/${at.partition}/${at.offset}`,
  );
  return span.traceId;
}

/** Waits until the trace has a span of every given service, then checks it is one connected tree. */
async function connectedTrace(traceId: string, services: string[], last: (s: SeenSpan) => boolean) {
  const spans = await receiver.waitFor(
    () => {
      const t = receiver.trace(traceId);
      return services.every((svc) => t.some((s) => s.service === svc)) && t.some(last) ? t : undefined;
    },
    `a trace with spans of ${services.join(', ')}`,
  );
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId);
  expect(roots).toHaveLength(1);
  expect(roots[0]!.service).toBe('kyoyu-ingestion');
  for (const s of spans) if (s.parentSpanId) expect(ids.has(s.parentSpanId)).toBe(true);
  return spans;
}

function stageSpan(spans: SeenSpan[], stage: StageName): SeenSpan {
  const s = spans.find((x) => x.service === STAGE_SERVICE[stage] && x.attributes['kyoyu.stage'] === stage);
  if (!s) throw new Error(`no ${stage} span in the trace`);
  return s;
}

describe('tracing: one trace per alert across the four services', () => {
  it('auto-release path: ingestion → deidentify → fanout in one connected trace, each span with its outcome', async () => {
    const at = await send(
      AUTO_CUSTOMER.id,
      suricataAlert({
        flowId: ++flow,
        internalIp: '10.20.30.99',
        attackerIp: '203.0.113.201',
        hostname: 'HZ-TRACE-01',
        user: 'jiro.suzuki',
      }),
    );
    autoTrace = await traceOf(at);
    const spans = await connectedTrace(
      autoTrace,
      ['kyoyu-ingestion', 'kyoyu-deidentify', 'kyoyu-fanout'],
      (s) => s.service === 'kyoyu-fanout' && s.attributes['kyoyu.stage'] === 'fanout',
    );
    const ingestion = stageSpan(spans, 'ingestion');
    const deid = stageSpan(spans, 'deidentify');
    const fanout = stageSpan(spans, 'fanout');
    expect(ingestion.attributes['kyoyu.outcome']).toBe('normalized');
    expect(deid.attributes['kyoyu.outcome']).toBe('released');
    expect(deid.parentSpanId).toBe(ingestion.spanId);
    expect(fanout.parentSpanId).toBe(deid.spanId);
    expect(['queued', 'delivered']).toContain(fanout.attributes['kyoyu.outcome']);
  });

  it('auto-release path: every subscriber delivery has its own span in the same trace', async () => {
    // Deliveries run in fan-out's dispatcher, after the consumer span has ended: each carries the
    // release's stored trace context and names its subscriber (an opaque id) and outcome.
    const deliveries = await receiver.waitFor(() => {
      const d = receiver
        .trace(autoTrace)
        .filter((s) => s.service === 'kyoyu-fanout' && typeof s.attributes['kyoyu.subscriber'] === 'string');
      const subs = new Set(d.map((s) => s.attributes['kyoyu.subscriber']));
      return subs.has('jp-isac') && subs.has('iot-maker') ? d : undefined;
    }, 'a delivery span per entitled subscriber (jp-isac, iot-maker) in the trace');
    for (const d of deliveries) expect(d.attributes['kyoyu.outcome']).toBe('delivered');
  });

  it('review path: held by deidentify, held in review, approved over HTTP, delivered by fanout — one trace', async () => {
    const attackerIp = '203.0.113.202';
    const at = await send(
      REVIEW_CUSTOMER.id,
      suricataAlert({
        flowId: ++flow,
        internalIp: '10.9.8.99',
        attackerIp,
        hostname: 'KW-TRACE-02',
        user: 'saburo.ito',
      }),
    );
    const traceId = await traceOf(at);
    const held = await connectedTrace(
      traceId,
      ['kyoyu-ingestion', 'kyoyu-deidentify', 'kyoyu-review'],
      (s) => s.service === 'kyoyu-review' && s.attributes['kyoyu.outcome'] === 'held',
    );
    const deid = stageSpan(held, 'deidentify');
    expect(deid.attributes['kyoyu.outcome']).toBe('held');
    expect(String(deid.attributes['kyoyu.reasons'])).toMatch(/^[A-Z_]+(,[A-Z_]+)*$/);
    expect(stageSpan(held, 'review').parentSpanId).toBe(deid.spanId);

    const review = stages.get('review')!;
    const first = await createReviewer(review.url, env.reviewToken, [REVIEW_CUSTOMER.id], 'trace-reviewer-1');
    const caseId = await waitForHeldItem(review.url, first, attackerIp);
    await approve(review.url, first, caseId);
    const [row] = (await db.query(`SELECT state FROM review_items WHERE case_id = $1`, [caseId])) as Array<{
      state: string;
    }>;
    // Four-eyes items need a second, different reviewer.
    if (row?.state === 'awaiting-second-approval') {
      await approve(
        review.url,
        await createReviewer(review.url, env.reviewToken, [REVIEW_CUSTOMER.id], 'trace-reviewer-2'),
        caseId,
      );
    }

    const spans = await connectedTrace(
      traceId,
      ['kyoyu-ingestion', 'kyoyu-deidentify', 'kyoyu-review', 'kyoyu-fanout'],
      (s) => s.service === 'kyoyu-fanout' && s.attributes['kyoyu.outcome'] === 'delivered',
    );
    // Fan-out's stage span queued the release; each subscriber delivery is its own span in the same trace.
    expect(stageSpan(spans, 'fanout').attributes['kyoyu.outcome']).toBe('queued');
    const decision = spans.find((s) => s.service === 'kyoyu-review' && s.name === 'review release');
    expect(decision?.attributes['kyoyu.outcome']).toBe('approved');
  });

  it('rejected record: the ingestion span says rejected with its reason code', async () => {
    const at = await send(AUTO_CUSTOMER.id, Buffer.from('{"event_type":"alert","src_ip":'));
    const traceId = await traceOf(at);
    const span = await receiver.waitFor(
      () => receiver.trace(traceId).find((s) => s.attributes['kyoyu.outcome'] === 'rejected'),
      'the rejected outcome on the ingestion span',
    );
    expect(span.attributes['kyoyu.reason']).toBe('MALFORMED_JSON');
  });
});

const samples = sharedSamplesDir();
(samples ? describe : describe.skip)(
  'no victim data in telemetry (real Suricata, Wazuh and ECS samples from ../shared/samples)',
  () => {
    it('no exported span (name, attributes, events) and no log line carries a registry identifier or a host/user name', async () => {
      const alerts = sampleAlerts(samples!);
      expect(alerts.length).toBe(38);
      const sent: Array<{ partition: number; offset: number }> = [];
      for (const a of alerts) sent.push(await send(SAMPLE_CUSTOMER.id, a.line));
      // Every sample has reached at least its de-identification span before the scan.
      const traces = await Promise.all(sent.map(traceOf));
      await receiver.waitFor(
        () =>
          traces.every((t) =>
            receiver
              .trace(t)
              .some(
                (s) =>
                  s.service === 'kyoyu-deidentify' ||
                  (s.service === 'kyoyu-ingestion' && s.attributes['kyoyu.outcome'] !== 'normalized'),
              ),
          )
            ? true
            : undefined,
        'every sample through de-identification (or ended at ingestion)',
      );

      const secrets = [...new Set([...registryIdentifiers(), ...alerts.flatMap((a) => a.victim)])];
      expect(secrets).toEqual(
        expect.arrayContaining([
          'mohit.jha',
          'DESKTOP-OCG8CR6',
          'ip-10-0-0-180.us-west-1.compute.internal',
          '172.16.0.149',
        ]),
      );
      expect(receiver.undecodable).toEqual([]);
      expect(receiver.spans.length).toBeGreaterThanOrEqual(alerts.length);
      const spanLeaks = receiver.spans.flatMap((s) =>
        leaks(s.text, secrets).map((l) => `${s.service} ${s.name}: ${l}`),
      );
      expect(spanLeaks).toEqual([]);

      for (const [stage, proc] of stages) {
        const output = proc.allOutput;
        expect(output.length).toBeGreaterThan(0);
        const logLeaks = leaks(output, secrets);
        expect({ stage, logLeaks }).toEqual({ stage, logLeaks: [] });
      }
    });

    it('log lines are JSON with the service name; trace ids in them are W3C ids of exported traces', () => {
      const lines = [...stages.values()].flatMap((p) =>
        p.allOutput
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      );
      expect(lines.length).toBeGreaterThan(4);
      const traceIds = new Set(receiver.spans.map((s) => s.traceId));
      for (const l of lines) {
        expect(typeof l['service']).toBe('string');
        if (l['trace_id'] !== undefined) {
          expect(l['trace_id']).toMatch(/^[0-9a-f]{32}$/);
          expect(traceIds.has(l['trace_id'] as string)).toBe(true);
        }
      }
    });
  },
);

describe('metrics: a Prometheus scrape endpoint per service', () => {
  async function scrape(stage: StageName): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${metricsPorts.get(stage)}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  }

  /** The value of the first series whose name and labels match. */
  function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return undefined;
  }

  it('serves records in, outcomes by reason, latency, consumer lag per partition; labels hold codes only', async () => {
    // Traffic from the tests above; wait until the lag poller has run once in each stage.
    for (const stage of ['ingestion', 'deidentify', 'fanout'] as const) {
      let body = '';
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        body = await scrape(stage);
        if (body.includes('kyoyu_consumer_lag{')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(value(body, 'kyoyu_stage_records_in_total', { stage })).toBeGreaterThanOrEqual(1);
      expect(value(body, 'kyoyu_stage_processing_seconds_count', { stage })).toBeGreaterThanOrEqual(1);
      expect(value(body, 'kyoyu_stage_processing_seconds_sum', { stage })).toBeGreaterThan(0);
      expect(value(body, 'kyoyu_consumer_lag', { stage, partition: '0' })).toBeGreaterThanOrEqual(0);
      expect(body).toMatch(new RegExp(`kyoyu_stage_outcomes_total\\{[^}]*stage="${stage}"`));
      const labelValues = [...body.matchAll(/="([^"]*)"/g)].map((m) => m[1]!);
      expect(leaks(labelValues.join('\n'), registryIdentifiers())).toEqual([]);
    }
    const ingestion = await scrape('ingestion');
    expect(
      value(ingestion, 'kyoyu_stage_outcomes_total', {
        stage: 'ingestion',
        outcome: 'rejected',
        reason: 'MALFORMED_JSON',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(ingestion, 'kyoyu_stage_outcomes_total', { stage: 'ingestion', outcome: 'normalized' }),
    ).toBeGreaterThanOrEqual(2);
    const fanout = await scrape('fanout');
    expect(value(fanout, 'kyoyu_fanout_deliveries_total', { subscriber: 'jp-isac' })).toBeGreaterThanOrEqual(
      1,
    );
    // The open states' depth is refreshed every 5 s on its own (decided totals less often): it must come to
    // equal what the table holds, zero included, within a few refreshes.
    const openInTable = async () => {
      const rows = (await db.query(
        `SELECT state, count(*)::int AS n FROM review_items WHERE state = ANY($1::text[]) GROUP BY state`,
        [OPEN_STATES],
      )) as Array<{ state: string; n: number }>;
      return OPEN_STATES.map((s) => rows.find((r) => r.state === s)?.n ?? 0);
    };
    // One item left held (that customer's agreement reviews everything), so the figure is not zero.
    await send(
      REVIEW_CUSTOMER.id,
      suricataAlert({
        flowId: ++flow,
        internalIp: '10.9.8.98',
        attackerIp: '203.0.113.98',
        hostname: 'KW-TRACE-03',
        user: 'shiro.ito',
      }),
    );
    await eventually(async () => ((await openInTable())[0] ?? 0) >= 1, 20_000);
    let review = '';
    let gauge: Array<number | undefined> = [];
    let table: number[] = [];
    await eventually(async () => {
      review = await scrape('review');
      gauge = OPEN_STATES.map((state) => value(review, 'kyoyu_review_queue_depth', { state }));
      table = await openInTable();
      return gauge.every((g, i) => g === table[i]);
    }, 20_000).catch(() => undefined); // the assertions below show what differed
    expect(table[0]).toBeGreaterThanOrEqual(1);
    expect(gauge).toEqual(table);
    expect(value(review, 'kyoyu_review_oldest_open_age_seconds')).toBeGreaterThanOrEqual(0);
    const deid = await scrape('deidentify');
    expect(
      value(deid, 'kyoyu_stage_outcomes_total', { stage: 'deidentify', outcome: 'released' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(deid, 'kyoyu_stage_outcomes_total', { stage: 'deidentify', outcome: 'held' }),
    ).toBeGreaterThanOrEqual(1);
  });
});

/** A reviewer account cleared for the review-only customer, and a bearer token acting as it. */

async function approve(url: string, auth: Record<string, string>, caseId: string): Promise<void> {
  const res = await fetch(`${url}/review/items/${caseId}/approve`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: '{}',
  });
  if (!res.ok) throw new Error(`approve ${caseId}: HTTP ${res.status} ${await res.text()}`);
}

async function waitForHeldItem(url: string, auth: Record<string, string>, marker: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/review/items?state=held`, { headers: auth });
    if (res.ok) {
      const body = (await res.json()) as { items: Array<{ caseId: string; draft: unknown }> };
      const item = body.items.find((i) => JSON.stringify(i.draft).includes(marker));
      if (item) return item.caseId;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('held item did not appear');
}

describe('consumer lag', () => {
  it('is the high watermark minus the committed offset, per partition, from the real broker', async () => {
    const topic = `lag-probe-${Date.now()}.v1`;
    const groupId = `lag-probe-${Date.now()}`;
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, key: 'k', value: `lag-${i}` })),
    });
    const monitor = new ConsumerLagMonitor(kafka, 'ingestion', groupId, [topic], pino({ level: 'silent' }));
    const partition0 = () => monitor.current.find((p) => p.topic === topic && p.partition === 0);
    await monitor.refresh();
    // Nothing committed yet: all five records are lag.
    expect(partition0()).toEqual({ topic, partition: 0, lag: 5 });
    // The group commits offset 3 (three records processed), as a stage does after its outcomes are durable.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (partition !== 0 || message.offset !== '2') return;
            await consumer.commitOffsets([{ topic, partition: 0, offset: '3' }]);
            resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    await monitor.refresh();
    expect(partition0()).toEqual({ topic, partition: 0, lag: 2 });
    expect(monitor.current.filter((p) => p.partition !== 0).every((p) => p.lag === 0)).toBe(true);
    await monitor.stop();
  });
});

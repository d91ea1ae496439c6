import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Headers, Topics, shareTopic } from '@kyoyu/contracts';
import { openDataSource, upsertCustomers, upsertSubscribers } from '@kyoyu/persistence';
import { DEMO_SUBSCRIBERS, demoRegistry, simulateAlerts } from '@kyoyu/simulator';
import {
  TopicReader,
  connectedProducer,
  localSecrets,
  sharedSamplesDir,
  startBroker,
  startDatabase,
  startStages,
  testKafka,
  type ReadMessage,
} from '@kyoyu/testing';

/**
 * `npm run demo`: the whole pipeline on embedded defaults. Starts the broker and PostgreSQL, registers
 * demo customers and subscribers, starts the four stages, replays alerts as customer SIEMs would,
 * and prints a summary. Ctrl-C stops everything cleanly.
 */
interface Options {
  alerts: number;
  seed: number;
  keepRunning: boolean;
  databaseUrl: string | undefined;
}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Options {
  const opts: Options = { alerts: 2000, seed: 42, keepRunning: false, databaseUrl: env['DATABASE_URL'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--alerts') opts.alerts = Number(argv[++i]);
    else if (a === '--seed') opts.seed = Number(argv[++i]);
    else if (a === '--keep-running') opts.keepRunning = true;
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: npm run demo -- [--alerts N] [--seed N] [--keep-running]\n  DATABASE_URL: use this PostgreSQL server instead of an embedded one',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!Number.isInteger(opts.alerts) || opts.alerts < 1)
    throw new Error('--alerts must be a positive integer');
  return opts;
}

/** A handful of real public alerts, when ../shared/samples is beside the clone. */
function sharedSampleRecords(): Array<{ value: string; sourceOrg: string }> {
  const dir = sharedSamplesDir();
  if (!dir) return [];
  const out: Array<{ value: string; sourceOrg: string }> = [];
  const lines = (file: string) =>
    readFileSync(path.join(dir, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim());
  for (const l of lines('suricata/sunnystation-2022-02-23-eve.json')
    .filter((l) => l.includes('"event_type":"alert"'))
    .slice(0, 50)) {
    out.push({ value: l, sourceOrg: 'cust-sakura' });
  }
  for (const l of lines('wazuh/wazuh-sample-alerts.json').slice(0, 50))
    out.push({ value: l, sourceOrg: 'cust-northwind' });
  for (const f of readdirSync(path.join(dir, 'cef')).filter((f) => f.endsWith('.log'))) {
    for (const l of lines(`cef/${f}`)) out.push({ value: l, sourceOrg: 'cust-harbor' });
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2), process.env);
  const cleanups: Array<() => Promise<unknown>> = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(130));
  process.on('SIGTERM', () => void shutdown(143));

  try {
    console.log('starting the Kafka-protocol broker (librdkafka mock cluster) and PostgreSQL…');
    const broker = await startBroker();
    cleanups.push(() => broker.stop());
    const database = await startDatabase({ serverUrl: opts.databaseUrl });
    cleanups.push(() => database.stop());
    const db = await openDataSource(database.url, 'kyoyu-demo');
    cleanups.push(() => db.destroy());
    const customers = demoRegistry();
    await upsertCustomers(db, customers);
    await upsertSubscribers(db, DEMO_SUBSCRIBERS);
    console.log(`registered ${customers.length} customers and ${DEMO_SUBSCRIBERS.length} subscribers`);

    // Fan-out's operator endpoints (backlog, who received what, egress-guard holds) want a token of their own.
    const fanoutToken = randomBytes(24).toString('hex');
    const stack = {
      bootstrap: broker.bootstrap,
      databaseUrl: database.url,
      ...localSecrets(),
      extraEnv: (stage: string): Record<string, string> =>
        stage === 'fanout' ? { FANOUT_ADMIN_TOKEN: fanoutToken } : {},
    };
    const stages = await startStages(stack);
    cleanups.push(() => Promise.all([...stages.values()].map((s) => s.stop())));
    for (const [name, s] of stages) console.log(`  ${name.padEnd(10)} ready on ${s.url}`);

    const kafka = testKafka(broker.bootstrap);
    const shareTopics = DEMO_SUBSCRIBERS.map((s) => shareTopic(s.id));
    const reader = await new TopicReader(kafka, [
      Topics.AlertsRaw,
      Topics.AlertsNormalized,
      Topics.AlertsRejected,
      Topics.ReviewRequested,
      Topics.EventsReleased,
      ...shareTopics,
    ]).start();
    cleanups.push(() => reader.stop());
    const producer = await connectedProducer(kafka);
    cleanups.push(() => producer.disconnect());

    const records = [
      ...[...simulateAlerts({ seed: opts.seed, count: opts.alerts })].map((a) => ({
        value: a.value,
        sourceOrg: a.sourceOrg,
      })),
      ...sharedSampleRecords(),
    ];
    console.log(
      `replaying ${records.length} alerts as customer SIEMs would (simulator + ../shared samples if present)…`,
    );
    const t0 = Date.now();
    for (let i = 0; i < records.length; i += 200) {
      await producer.send({
        topic: Topics.AlertsRaw,
        acks: -1,
        messages: records
          .slice(i, i + 200)
          .map((r) => ({ key: r.sourceOrg, value: r.value, headers: { [Headers.SourceOrg]: r.sourceOrg } })),
      });
    }

    const count = (topic: string) => reader.count(topic);
    // Done when every record has an outcome and nothing has moved for two seconds.
    let last = -1;
    let stableSince = Date.now();
    for (;;) {
      const total = reader.messages.length;
      const line = `in ${count(Topics.AlertsRaw)} · normalized ${count(Topics.AlertsNormalized)} · rejected ${count(Topics.AlertsRejected)} · released ${count(Topics.EventsReleased)} · held ${count(Topics.ReviewRequested)} · bundles ${shareTopics.reduce((n, t) => n + count(t), 0)}`;
      process.stdout.write(`\r  ${line}   `);
      if (total !== last) {
        last = total;
        stableSince = Date.now();
      }
      if (count(Topics.AlertsRaw) >= records.length && Date.now() - stableSince > 2000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // Up to the last record read, not the two quiet seconds that confirmed it.
    const elapsed = (stableSince - t0) / 1000;
    console.log('\n');
    const [guard] = (await db.query(`SELECT count(*)::int AS n FROM guard_held_releases`)) as Array<{
      n: number;
    }>;
    summarize(reader.messages, shareTopics, records.length, elapsed, guard?.n ?? 0);
    const reviewUrl = stages.get('review')?.url ?? '?';
    const reviewer = await createDemoReviewer(
      reviewUrl,
      stack.reviewToken,
      customers.map((c) => c.id),
    );
    console.log(
      `\nreviewer console: ${reviewUrl}/console/  (user ${reviewer.username}, password ${reviewer.password})`,
    );
    console.log(`operator API:     ${reviewUrl}/openapi.json  (Authorization: Bearer ${stack.reviewToken})`);
    const fanoutUrl = stages.get('fanout')?.url ?? '?';
    console.log(
      `fan-out operator: ${fanoutUrl}/fanout/backlog, /fanout/held, /fanout/embargoed, /fanout/deliveries?eventId=…  (Authorization: Bearer ${fanoutToken})`,
    );
    console.log(
      `                  or FANOUT_URL=${fanoutUrl} FANOUT_ADMIN_TOKEN=${fanoutToken} npm run kyoyu -- fanout backlog (held, embargoed, deliveries <event id>)`,
    );
    if (opts.keepRunning) {
      console.log('running until Ctrl-C…');
      await new Promise(() => undefined);
    }
    await shutdown(0);
  } catch (e) {
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    await shutdown(1);
  }
}

/** Alerts in, outcomes, deliveries per subscriber and end-to-end latency (raw record → bundle). */
function summarize(
  messages: ReadMessage[],
  shareTopics: string[],
  sent: number,
  elapsed: number,
  heldByFanoutGuard: number,
): void {
  const by = (t: string) => messages.filter((m) => m.topic === t);
  const rawTime = new Map(by(Topics.AlertsRaw).map((m) => [`${m.partition}/${m.offset}`, m.timestamp]));
  const alertRawTime = new Map<string, number>();
  for (const m of by(Topics.AlertsNormalized)) {
    const e = JSON.parse(m.value) as {
      correlationId: string;
      source?: { partition: number; offset: string };
    };
    const t = e.source && rawTime.get(`${e.source.partition}/${e.source.offset}`);
    if (t) alertRawTime.set(e.correlationId, t);
  }
  const eventAlert = new Map<string, string>();
  for (const m of by(Topics.EventsReleased)) {
    const e = JSON.parse(m.value) as { correlationId: string; data: { event: { eventId: string } } };
    eventAlert.set(e.data.event.eventId, e.correlationId);
  }
  const latencies: number[] = [];
  for (const t of shareTopics) {
    for (const m of by(t)) {
      const start = alertRawTime.get(eventAlert.get(m.key ?? '') ?? '');
      if (start) latencies.push(m.timestamp - start);
    }
  }
  latencies.sort((a, b) => a - b);
  const rejected = new Map<string, number>();
  for (const m of by(Topics.AlertsRejected)) {
    const reason = (JSON.parse(m.value) as { data: { reason: string } }).data.reason;
    rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
  }
  const normalized = by(Topics.AlertsNormalized).length;
  const rows: Array<[string, string]> = [
    ['alerts in', String(sent)],
    ['normalized', String(normalized)],
    [
      'duplicates (not re-emitted)',
      String(Math.max(0, sent - normalized - by(Topics.AlertsRejected).length)),
    ],
    ['rejected', `${by(Topics.AlertsRejected).length} ${JSON.stringify(Object.fromEntries(rejected))}`],
    ['released automatically', String(by(Topics.EventsReleased).length)],
    ['held for review', String(by(Topics.ReviewRequested).length)],
    ["stopped by fan-out's egress guard", String(heldByFanoutGuard)],
    ...shareTopics.map((t): [string, string] => [`delivered to ${t}`, String(by(t).length)]),
    [
      'end-to-end latency p50 / p99',
      `${percentile(latencies, 50)} ms / ${percentile(latencies, 99)} ms (${latencies.length} deliveries)`,
    ],
    ['wall time', `${elapsed.toFixed(1)} s`],
  ];
  console.log('summary');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(34)} ${v}`);
}

void main();

/**
 * A reviewer cleared for every demo customer, created through the operator's admin API, so the console can
 * be tried at once. Its password is generated per run and printed once, like the other local secrets.
 */
async function createDemoReviewer(
  url: string,
  adminToken: string,
  clearances: string[],
): Promise<{ username: string; password: string }> {
  const username = 'demo-reviewer';
  const password = randomBytes(12).toString('base64url');
  const res = await fetch(`${url}/admin/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username, displayName: 'Demo reviewer', password, role: 'reviewer', clearances }),
  });
  if (!res.ok) throw new Error(`creating the demo reviewer failed: HTTP ${res.status}`);
  return { username, password };
}

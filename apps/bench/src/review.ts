/**
 * `npm run bench:review [-- --items N --approvals N --database-server URL --base-port P]`: the review stage
 * on a real Kafka-protocol broker and PostgreSQL, run as processes exactly as in production.
 *  1. Holding throughput: N review requests are produced first, then the review app starts and consumes
 *     them (batched, one multi-row INSERT per batch); items stored per second from the first stored row
 *     to the last, read from PostgreSQL.
 *  2. Approve→delivered latency: items are approved one at a time over HTTP; each is timed from the
 *     request to its STIX bundle's broker timestamp on the subscriber's topic (outbox relay → fan-out).
 * Targets (kyoyu issue 5): ≥ 5,000 held items stored/s; approve→delivered p99 < 500 ms.
 * Without --database-server a throw-away embedded PostgreSQL is used. Exits 0 even when a target is
 * missed; PASS/MISS is printed per target. Writes bench/results/review.json.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Producer } from 'kafkajs';
import {
  Topics,
  deterministicId,
  encodeEvent,
  shareTopic,
  type Customer,
  type ReviewRequest,
} from '@kyoyu/contracts';
import { openDataSource, upsertCustomers, upsertSubscribers } from '@kyoyu/persistence';
import { nameOnlyCustomer } from '@kyoyu/simulator';
import {
  ServiceProcess,
  TopicReader,
  connectedProducer,
  createReviewer,
  freePort,
  localSecrets,
  serviceEnv,
  startBroker,
  startDatabase,
  testKafka,
  type StackEnv,
  type StageName,
} from '@kyoyu/testing';
import { latencySummary, round, table, writeResults } from './lib/measure';

const TARGET_HELD_PER_SECOND = 5_000;
const TARGET_P99_MS = 500;
const SUBSCRIBER = 'bench-isac';

/** Four fictitious customers, so requests spread over the topic's partitions as real traffic does. */
function benchCustomers(): Customer[] {
  return [0, 1, 2, 3].map((i) =>
    nameOnlyCustomer({
      id: `bench-bank-${i}`,
      name: `Bench Bank ${i}`,
      domain: `bench-bank-${i}.example`,
      sector: 'finance',
      agreement: { autoRelease: false, defaultTlp: 'amber' },
    }),
  );
}

function request(n: number, customers: Customer[]): ReviewRequest {
  const caseId = deterministicId('bench-case', String(n));
  return {
    caseId,
    alertId: deterministicId('bench-alert', String(n)),
    sourceOrg: customers[n % customers.length]?.id ?? 'bench-bank-0',
    draft: {
      eventId: deterministicId('bench-event', String(n)),
      caseId,
      observedAt: '2026-11-20T01:00:00.000Z',
      title: `FormBook beacon ${n}`,
      description: 'Beacon to a C2 over HTTP',
      severity: { score: 80, label: 'high' },
      techniques: [{ id: 'T1071' }],
      tactics: [{ id: 'TA0011' }],
      indicators: [{ type: 'domain', value: `c2-${n}.bench-attacker.example`, role: 'attacker' }],
      malware: ['FormBook'],
      cves: [],
      context: { sector: 'finance', country: 'JP' },
      confidence: 70,
      distribution: { tlp: 'amber', audience: { kind: 'all' }, agreementVersion: 1 },
    },
    reasons: [{ code: 'AGREEMENT_REQUIRES_REVIEW', detail: 'bench' }],
    risk: 30,
    transformations: [{ field: 'host.name', class: 'host', action: 'pseudonymize', rule: 'R-HOST' }],
    original: { raw: JSON.stringify({ host: `WS-${n}`, src_ip: '10.0.0.1' }), contentType: 'json' },
  };
}

/**
 * Produces the requests in chunks, never more than `maxLag` ahead of what is stored: the development broker
 * keeps about 5 MB per partition (≈3,000 of these records), so a consumer left far behind would find its oldest records trimmed.
 */
async function produceRequests(
  producer: Producer,
  count: number,
  customers: Customer[],
  storedSoFar: () => number,
  maxLag = 2000,
): Promise<void> {
  const chunk = 500;
  for (let i = 0; i < count; i += chunk) {
    while (i - storedSoFar() > maxLag) await new Promise((r) => setTimeout(r, 5));
    const messages = [];
    for (let n = i; n < Math.min(count, i + chunk); n++) {
      const r = request(n, customers);
      messages.push({
        key: r.sourceOrg,
        value: encodeEvent(Topics.ReviewRequested, {
          id: deterministicId('review-requested', r.caseId),
          type: 'ReviewRequested',
          schemaVersion: 1,
          correlationId: `bench-${n}`,
          occurredAt: new Date().toISOString(),
          data: r,
        }),
      });
    }
    await producer.send({ topic: Topics.ReviewRequested, acks: -1, messages });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '50000' },
      approvals: { type: 'string', default: '300' },
      'database-server': { type: 'string' },
      'base-port': { type: 'string', default: '25392' },
      'timeout-seconds': { type: 'string', default: '600' },
    },
  });
  const items = Number(values.items);
  const approvals = Math.min(Number(values.approvals), items);
  if (!Number.isInteger(items) || items < 1 || !Number.isInteger(approvals) || approvals < 1) {
    throw new Error(
      'usage: review.js [--items N≥1] [--approvals N≥1] [--database-server URL] [--base-port P]',
    );
  }
  // A broker of its own, not the demo's state file: the bench runs beside `npm run demo`.
  const broker = await startBroker({ basePort: Number(values['base-port']), stateFile: null });
  const database = await startDatabase({ serverUrl: values['database-server'] });
  const procs: ServiceProcess[] = [];
  try {
    const env: StackEnv = {
      bootstrap: broker.bootstrap,
      databaseUrl: database.url,
      ...localSecrets(),
      logLevel: 'warn',
    };
    const db = await openDataSource(database.url, 'kyoyu-bench');
    const customers = benchCustomers();
    await upsertCustomers(db, customers);
    await upsertSubscribers(db, [
      {
        id: SUBSCRIBER,
        name: 'Bench ISAC',
        sectors: ['finance'],
        tlpClearance: 'amber',
        filters: {},
        active: true,
      },
    ]);
    const kafka = testKafka(broker.bootstrap);
    const producer = await connectedProducer(kafka);
    const start = async (stage: StageName) => {
      const port = await freePort();
      const p = new ServiceProcess(stage, serviceEnv(stage, env, port), port);
      p.start();
      procs.push(p);
      await p.waitReady(120_000);
      return p;
    };

    // 1. Holding throughput: from the first request produced to the last item stored.
    const review = await start('review');
    let stored = 0;
    let polling = true;
    const deadline = Date.now() + Number(values['timeout-seconds']) * 1000;
    const poller = (async () => {
      while (polling) {
        const [row] = (await db.query('SELECT count(*)::int AS n FROM review_items')) as Array<{ n: number }>;
        stored = row?.n ?? 0;
        if (stored >= items || Date.now() > deadline) return;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const t0 = performance.now();
    await produceRequests(producer, items, customers, () => stored);
    const produceSeconds = (performance.now() - t0) / 1000;
    await poller;
    polling = false;
    if (stored < items) {
      throw new Error(`only ${stored} of ${items} items stored in time:\n${review.recentOutput}`);
    }
    const holdSeconds = (performance.now() - t0) / 1000;
    const heldPerSecond = Math.round(items / holdSeconds);

    // 2. Approve → delivered on the subscriber's topic.
    await start('fanout');
    const topic = shareTopic(SUBSCRIBER);
    const reader = await new TopicReader(kafka, [topic]).start();
    const auth = await createReviewer(
      review.url,
      env.reviewToken,
      customers.map((c) => c.id),
      'bench',
    );
    const approveAndWait = async (n: number): Promise<number> => {
      const r = request(n, customers);
      const marker = `c2-${n}.bench-attacker.example`;
      const sent = Date.now();
      const res = await fetch(`${review.url}/review/items/${r.caseId}/approve`, {
        method: 'POST',
        headers: auth,
      });
      if (res.status !== 200) throw new Error(`approve ${n}: HTTP ${res.status}`);
      const [m] = await reader.waitFor((x) => x.value.includes(marker), 1, 30_000);
      if (!m) throw new Error(`approve ${n}: not delivered`);
      return m.timestamp - sent;
    };
    for (let n = 0; n < 10; n++) await approveAndWait(items - 1 - n); // warm-up: connections, JIT, metadata
    const samples: number[] = [];
    for (let n = 0; n < approvals; n++) samples.push(await approveAndWait(n));
    const latency = latencySummary(samples);
    await reader.stop();
    await producer.disconnect();
    await db.destroy();

    const results = {
      /** Other work on the machine during the run (1-minute load average; the machine has 2 cores). */
      loadAverage1m: round(loadavg()[0] ?? 0, 2),
      holding: {
        items,
        produceSeconds: round(produceSeconds),
        storeSeconds: round(holdSeconds),
        heldPerSecond,
        target: TARGET_HELD_PER_SECOND,
        pass: heldPerSecond >= TARGET_HELD_PER_SECOND,
      },
      approveToDelivered: {
        approvals,
        latencyMs: latency,
        targetP99Ms: TARGET_P99_MS,
        pass: latency.p99 < TARGET_P99_MS,
      },
    };
    console.log(
      table([
        {
          measure: 'held items stored/s',
          value: heldPerSecond,
          target: `≥ ${TARGET_HELD_PER_SECOND}`,
          verdict: results.holding.pass ? 'PASS' : 'MISS',
        },
        {
          measure: 'approve→delivered p50 ms',
          value: latency.p50,
          target: '',
          verdict: '',
        },
        {
          measure: 'approve→delivered p99 ms',
          value: latency.p99,
          target: `< ${TARGET_P99_MS}`,
          verdict: results.approveToDelivered.pass ? 'PASS' : 'MISS',
        },
      ]),
    );
    console.log(`results: ${writeResults('review', results)}`);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await database.stop();
    await broker.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

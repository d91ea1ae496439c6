/**
 * `npm run bench:tracing [-- --alerts N --rounds N]`: what tracing costs the whole pipeline. The four
 * services run as processes on the dev broker and PostgreSQL; rounds alternate tracing off and on
 * (exported over OTLP/HTTP to a local sink that accepts and counts), the same alerts each round, a fresh
 * set of service processes per round. Reports the median throughput and CPU milliseconds per alert (all
 * four services, from /proc) of each mode and the loss. Target (kyoyu issue 7): < 15% throughput loss.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Headers, Topics, shareTopic } from '@kyoyu/contracts';
import { openDataSource, upsertCustomers, upsertSubscribers } from '@kyoyu/persistence';
import { nameOnlyCustomer } from '@kyoyu/simulator';
import {
  TopicReader,
  connectedProducer,
  localSecrets,
  startBroker,
  startDatabase,
  startStages,
  testKafka,
} from '@kyoyu/testing';
import { round, table, writeResults } from './lib/measure';

const { values: args } = parseArgs({
  options: {
    alerts: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    'base-port': { type: 'string', default: '26092' },
  },
});
const ALERTS = Number(args.alerts);
const ROUNDS = Number(args.rounds);

const CUSTOMER = nameOnlyCustomer({
  id: 'bench-co',
  name: 'Bench Co',
  domain: 'bench-co.example',
  sector: 'manufacturing',
});
const SUBSCRIBER = {
  id: 'bench-sub',
  name: 'Bench',
  sectors: [],
  tlpClearance: 'amber' as const,
  filters: {},
};
const SHARE = shareTopic(SUBSCRIBER.id);

let flow = 0;
function alert(roundNo: number, i: number): string {
  return JSON.stringify({
    timestamp: '2026-11-20T10:15:42.123456+0900',
    flow_id: ++flow,
    event_type: 'alert',
    src_ip: '10.1.2.3',
    src_port: 49812,
    dest_ip: `203.0.113.${(i % 250) + 1}`,
    dest_port: 80,
    proto: 'TCP',
    host: `PC-${roundNo}-${i}`,
    alert: {
      action: 'allowed',
      gid: 1,
      signature_id: 2031412,
      rev: 3,
      signature: 'ET MALWARE FormBook CnC Checkin (GET)',
      category: 'A Network Trojan was detected',
      severity: 1,
      metadata: { mitre_technique_id: ['T1071'] },
    },
    http: { hostname: 'www.cn-cdn-update.example', url: `/uar3/?r=${roundNo}&i=${i}`, http_method: 'GET' },
  });
}

/** user+system CPU (clock ticks of 10 ms) of the processes started with KYOYU_BENCH_ROUND=<round>. */
function cpuTicksOfRound(roundNo: number): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      if (!env.includes(`KYOYU_BENCH_ROUND=${roundNo}`)) continue;
      const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  let otlpBytes = 0;
  let otlpExports = 0;
  const sink = createServer((req, res) => {
    req.on('data', (c: Buffer) => (otlpBytes += c.length));
    req.on('end', () => {
      otlpExports++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const sinkPort = (sink.address() as AddressInfo).port;

  // A broker of its own, not the demo's state file: the bench runs beside `npm run demo`.
  const broker = await startBroker({ basePort: Number(args['base-port']), stateFile: null });
  const database = await startDatabase({ serverUrl: process.env['DATABASE_URL'] });
  const db = await openDataSource(database.url, 'bench-tracing');
  await upsertCustomers(db, [CUSTOMER]);
  await upsertSubscribers(db, [SUBSCRIBER]);
  const kafka = testKafka(broker.bootstrap);
  const producer = await connectedProducer(kafka);
  const reader = await new TopicReader(kafka, [SHARE]).start();

  const modes: Array<'warmup' | 'off' | 'on'> = ['warmup'];
  for (let i = 0; i < ROUNDS; i++)
    modes.push(...(i % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)));
  const results: Array<{ mode: 'off' | 'on'; seconds: number; perSecond: number; cpuMsPerAlert: number }> =
    [];
  try {
    for (const [r, mode] of modes.entries()) {
      const stages = await startStages({
        bootstrap: broker.bootstrap,
        databaseUrl: database.url,
        ...localSecrets(),
        logLevel: 'warn',
        extraEnv: () => ({
          KYOYU_BENCH_ROUND: String(r),
          ...(mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}` } : {}),
        }),
      });
      const before = reader.count(SHARE);
      const cpu0 = cpuTicksOfRound(r);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < ALERTS; i += 200) {
        const messages = [];
        for (let j = i; j < Math.min(ALERTS, i + 200); j++) {
          messages.push({
            key: CUSTOMER.id,
            value: alert(r, j),
            headers: { [Headers.SourceOrg]: CUSTOMER.id },
          });
        }
        await producer.send({ topic: Topics.AlertsRaw, acks: -1, messages });
      }
      await reader.waitFor((m) => m.topic === SHARE, before + ALERTS, 600_000);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpuMsPerAlert = ((cpuTicksOfRound(r) - cpu0) * 10) / ALERTS;
      await Promise.all([...stages.values()].map((p) => p.stop()));
      console.log(
        `${mode}: ${ALERTS} alerts in ${seconds.toFixed(2)} s = ${(ALERTS / seconds).toFixed(0)}/s, ` +
          `${cpuMsPerAlert.toFixed(2)} CPU ms/alert (4 services)`,
      );
      if (mode !== 'warmup') results.push({ mode, seconds, perSecond: ALERTS / seconds, cpuMsPerAlert });
    }
  } finally {
    await reader.stop();
    await producer.disconnect();
    await db.destroy();
    await database.stop();
    await broker.stop();
    sink.close();
  }

  const of = (mode: 'off' | 'on', k: 'perSecond' | 'cpuMsPerAlert') =>
    median(results.filter((x) => x.mode === mode).map((x) => x[k]));
  const summary = {
    alertsPerRound: ALERTS,
    rounds: ROUNDS,
    medianPerSecond: { off: round(of('off', 'perSecond'), 0), on: round(of('on', 'perSecond'), 0) },
    throughputLossPercent: round((1 - of('on', 'perSecond') / of('off', 'perSecond')) * 100, 1),
    medianCpuMsPerAlert: {
      off: round(of('off', 'cpuMsPerAlert'), 2),
      on: round(of('on', 'cpuMsPerAlert'), 2),
    },
    cpuOverheadPercent: round((of('on', 'cpuMsPerAlert') / of('off', 'cpuMsPerAlert') - 1) * 100, 1),
    otlpExports,
    otlpBytesPerAlert: round(otlpBytes / (ALERTS * (ROUNDS + 1)), 0),
  };
  console.log(
    '\n' +
      table([
        {
          tracing: 'off',
          'alerts/s': summary.medianPerSecond.off,
          'CPU ms/alert': summary.medianCpuMsPerAlert.off,
        },
        {
          tracing: 'on',
          'alerts/s': summary.medianPerSecond.on,
          'CPU ms/alert': summary.medianCpuMsPerAlert.on,
        },
      ]),
  );
  console.log(
    `\nthroughput loss ${summary.throughputLossPercent}% (target < 15%: ${
      summary.throughputLossPercent < 15 ? 'PASS' : 'MISS'
    }), CPU overhead ${summary.cpuOverheadPercent}%, ${summary.otlpBytesPerAlert} OTLP bytes per alert`,
  );
  console.log(`written ${writeResults('tracing', { summary, results })}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Topics, shareTopic } from '@kyoyu/contracts';
import { openDataSource, upsertCustomers, upsertSubscribers } from '@kyoyu/persistence';
import { DEMO_CUSTOMERS, DEMO_SUBSCRIBERS, demoRegistry } from '@kyoyu/simulator';
import {
  HOSTILE_INGESTION_ENV,
  localSecrets,
  repoRoot,
  startBroker,
  startDatabase,
  startStages,
  testKafka,
} from '@kyoyu/testing';
import { table, writeResults } from './lib/measure';
import { AlertPool } from './pipeline/alert-pool';
import { transportCeiling, type CeilingFigures } from './pipeline/ceiling';
import { pipelineChart } from './pipeline/chart';
import { DeliveryTracker } from './pipeline/delivery-tracker';
import { runHostile, type HostileFigures } from './pipeline/hostile';
import { parseOptions, USAGE } from './pipeline/options';
import { runLoad, type LoadContext, type LoadFigures } from './pipeline/phase';
import { ProcMonitor, findProcesses, isLocalServer, round } from './pipeline/proc-stats';
import { runSoak, type SoakFigures } from './pipeline/soak';
import { averageSize } from './pipeline/stages-figures';

/**
 * `npm run bench`: the whole pipeline (four stage processes, the broker, PostgreSQL) under fixed offered
 * loads and flat out, the transport ceiling of the same hops, optionally a soak (`--soak N`) and the
 * hostile-input run (`--hostile`). Writes bench/results/pipeline.json and docs/bench/pipeline.svg.
 */
async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), process.env);
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  process.on('SIGTERM', () => void cleanup().finally(() => process.exit(143)));
  try {
    console.log(
      `broker on ${opts.basePort}…, PostgreSQL ${opts.databaseUrl ? 'from DATABASE_URL' : 'embedded'}`,
    );
    const broker = await startBroker({
      basePort: opts.basePort,
      stateFile: path.join(repoRoot(), '.kyoyu', `kafka-bench-${opts.basePort}.json`),
    });
    cleanups.push(() => broker.stop());
    const database = await startDatabase({ serverUrl: opts.databaseUrl });
    cleanups.push(() => database.stop());
    const db = await openDataSource(database.url, 'kyoyu-bench');
    cleanups.push(() => db.destroy());
    // The load part measures the automatic path: every simulated customer releases automatically.
    await upsertCustomers(
      db,
      demoRegistry().map((c) => ({ ...c, agreement: { ...c.agreement, autoRelease: true } })),
    );
    await upsertSubscribers(db, DEMO_SUBSCRIBERS);
    const shareTopics = DEMO_SUBSCRIBERS.map((s) => shareTopic(s.id));
    for (const t of shareTopics) await broker.control(`create-topic ${t} 4`).catch(() => undefined);

    const stages = await startStages({
      bootstrap: broker.bootstrap,
      databaseUrl: database.url,
      ...localSecrets(),
      extraEnv: (stage) => ({
        ...opts.stageEnv,
        ...(stage === 'ingestion' && opts.hostile ? HOSTILE_INGESTION_ENV : {}),
      }),
    });
    cleanups.push(() => Promise.all([...stages.values()].map((s) => s.stop())));
    const procs = findProcesses(process.pid, { localServer: isLocalServer(opts.databaseUrl) });
    console.log(`processes: ${[...procs].map(([n, p]) => `${n} ${p.join('+')}`).join(', ')}`);

    const kafka = testKafka(broker.bootstrap);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const tracker = new DeliveryTracker(kafka, shareTopics);
    await tracker.start();
    cleanups.push(() => tracker.stop());
    const pool = new AlertPool(DEMO_CUSTOMERS, opts.poolSize);
    const ctx: LoadContext = {
      kafka,
      producer,
      tracker,
      pool,
      shareTopics,
      monitor: new ProcMonitor(procs),
      g: 0,
    };

    console.log('warm-up…');
    await runLoad(ctx, { label: 'warm-up', rate: 500, seconds: opts.quick ? 2 : 5 });
    const sizes = {
      normalized: await averageSize(kafka, Topics.AlertsNormalized),
      released: await averageSize(kafka, Topics.EventsReleased),
      bundle: Math.round(tracker.bundleBytes / Math.max(1, tracker.bundles)),
      fanout: round(tracker.bundles / Math.max(1, ctx.g), 2),
    };
    console.log(`message sizes: ${JSON.stringify(sizes)}`);

    const loads: LoadFigures[] = [];
    for (const rate of opts.loads) {
      console.log(`offered ${rate}/s for ${opts.seconds} s…`);
      const l = await runLoad(ctx, { label: `${rate}/s`, rate, seconds: opts.seconds });
      loads.push(l);
      console.log(`  ${summaryLine(l)}`);
    }
    if (opts.flatOut) {
      console.log(`flat out for ${opts.seconds} s…`);
      const l = await runLoad(ctx, {
        label: 'flat out',
        rate: Infinity,
        seconds: opts.seconds,
        count: opts.flatOutMax,
      });
      loads.push(l);
      console.log(`  ${summaryLine(l)}`);
    }
    const maxSustained = Math.max(0, ...loads.filter(isSustained).map((l) => l.achievedPerSecond));
    let halfMax: LoadFigures | undefined;
    if (maxSustained > 0) {
      const rate = Math.round(maxSustained / 2);
      console.log(`half the maximum sustained load: ${rate}/s for ${opts.seconds} s…`);
      halfMax = await runLoad(ctx, { label: `half max ${rate}/s`, rate, seconds: opts.seconds });
      console.log(`  ${summaryLine(halfMax)}`);
    }

    let soak: SoakFigures | undefined;
    if (opts.soak) {
      console.log(`soak: ${opts.soak} alerts at ${opts.soakRate}/s…`);
      soak = await runSoak(ctx, procs, { alerts: opts.soak, rate: opts.soakRate });
      console.log(table(soak.windows.map((w) => ({ ...w }))));
      console.log(
        `  ${soak.delivered} alerts delivered; cost per alert, last window against the second: ` +
          (soak.costGrowthPct === null ? 'fewer than three windows, no trend' : `${soak.costGrowthPct}%`),
      );
    }

    let hostile: HostileFigures | undefined;
    if (opts.hostile) {
      console.log(
        `hostile input: ${opts.hostileCount} bad records into ${opts.hostileRate}/s of good alerts…`,
      );
      hostile = await runHostile(ctx, {
        rate: opts.hostileRate,
        seconds: opts.hostileSeconds,
        hostile: opts.hostileCount,
        stagePids: new Map([...procs].filter(([n]) => stages.has(n as never))),
      });
      console.log(JSON.stringify(hostile, null, 2));
    }

    let ceiling: CeilingFigures | undefined;
    if (opts.ceiling) {
      console.log(`transport ceiling: ${opts.ceilingAlerts} alerts through 3 bare kafkajs hops…`);
      ceiling = await transportCeiling(kafka, broker, pool, sizes, opts.ceilingAlerts);
      console.log(
        `  ${ceiling.alertsPerSecond} alerts/s, p50 ${ceiling.latencyMs.p50} ms, p99 ${ceiling.latencyMs.p99} ms`,
      );
    }

    const rssMaxMb = Math.max(
      ...loads.flatMap((l) =>
        ['ingestion', 'deidentify', 'review', 'fanout'].map((s) => l.processes[s]?.rssMbPeak ?? 0),
      ),
    );
    const targets = {
      maxSustainedAlertsPerSecond: maxSustained,
      sustained10k: maxSustained >= 10_000,
      sustained20k: maxSustained >= 20_000,
      p99AtHalfMaxMs: halfMax?.latencyMs.p99,
      p99AtHalfMaxUnder200: halfMax ? halfMax.latencyMs.p99 < 200 : undefined,
      maxServiceRssMb: rssMaxMb,
      rssUnder256Mb: rssMaxMb <= 256,
      costPerAlertFlat: soak?.flat,
      hostileGoodThroughputDropPct: hostile?.goodThroughputDropPct,
      hostileAllRejectedWithReason: hostile?.allRejectedWithReason,
      hostileNoRestarts: hostile?.noRestarts,
    };
    const results = { options: opts, sizes, loads, halfMax, ceiling, soak, hostile, targets };
    // A quick run writes the same files (its options say quick: true); the README figures come from a full run.
    const file = writeResults('pipeline', results);
    const chartFile = path.join(repoRoot(), 'docs', 'bench', 'pipeline.svg');
    mkdirSync(path.dirname(chartFile), { recursive: true });
    writeFileSync(
      chartFile,
      pipelineChart(
        [...loads, ...(halfMax ? [halfMax] : [])].map((l) => ({
          label: l.label,
          offered: l.offeredPerSecond,
          achieved: l.achievedPerSecond,
          p99Ms: l.latencyMs.p99,
        })),
        ceiling?.alertsPerSecond,
        `kyoyu pipeline, ${new Date().toISOString().slice(0, 10)}: 4 stage processes, 2 cores`,
      ),
    );
    console.log('\n' + table([...loads, ...(halfMax ? [halfMax] : [])].map(row)));
    console.log(
      '\nper process (CPU cores from the first send to the last delivery / peak RSS MB), and the machine:',
    );
    console.log(table([...loads, ...(halfMax ? [halfMax] : [])].map(processRow)));
    console.log(`\ntargets: ${JSON.stringify(targets)}`);
    console.log(
      `\nwrote ${path.relative(process.cwd(), file)} and ${path.relative(process.cwd(), chartFile)}`,
    );
  } finally {
    await cleanup();
  }
}

/**
 * Sustained: the pipeline kept up with the offered load. Alerts de-identification sends to review (or that
 * are rejected) never become bundles, so the bar is the share that should: ≥ 95 % of it delivered at the
 * offered rate, and at most 1 % of the sent alerts unaccounted for when the phase drained.
 */
function isSustained(l: LoadFigures): boolean {
  if (!Number.isFinite(l.offeredRate) || l.sent === 0) return false;
  const deliverable = (l.sent - l.heldForReview - l.rejected) / l.sent;
  const lost = l.undelivered - l.heldForReview - l.rejected;
  return l.achievedPerSecond >= 0.95 * l.offeredPerSecond * deliverable && lost <= l.sent * 0.01;
}

function summaryLine(l: LoadFigures): string {
  return (
    `sent ${l.offeredPerSecond}/s, achieved ${l.achievedPerSecond}/s, p50 ${l.latencyMs.p50} ms, ` +
    `p99 ${l.latencyMs.p99} ms, p99.9 ${l.latencyMs.p999} ms, undelivered ${l.undelivered} (review ${l.heldForReview}, rejected ${l.rejected}), ` +
    `stages ${JSON.stringify(l.stagePerSecond)}`
  );
}

function row(l: LoadFigures): Record<string, string | number> {
  return {
    load: l.label,
    'sent/s': l.offeredPerSecond,
    'achieved/s': l.achievedPerSecond,
    sustained: isSustained(l) ? 'yes' : 'no',
    'p50 ms': l.latencyMs.p50,
    'p99 ms': l.latencyMs.p99,
    'p99.9 ms': l.latencyMs.p999,
    ...Object.fromEntries(Object.entries(l.stagePerSecond).map(([k, v]) => [`${k}/s`, v])),
  };
}

function processRow(l: LoadFigures): Record<string, string | number> {
  return {
    load: l.label,
    ...Object.fromEntries(Object.entries(l.processes).map(([k, v]) => [k, `${v.cpuCores} / ${v.rssMbPeak}`])),
    'machine busy': l.machine.busyCores,
    stolen: l.machine.stealCores,
  };
}

void main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});

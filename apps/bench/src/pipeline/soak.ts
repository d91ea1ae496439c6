import { latencySummary } from '../lib/measure';
import { drain, goodRecords, type LoadContext } from './phase';
import { offer } from './offer';
import { round, sample } from './proc-stats';
import { Topics } from '@kyoyu/contracts';

export interface SoakWindow {
  window: string;
  /** CPU-seconds of every pipeline process (stages, broker, PostgreSQL) per 1,000 delivered alerts. */
  cpuSecondsPer1k: number;
  p99Ms: number;
  rssMbStages: number;
}

export interface SoakFigures {
  alerts: number;
  rate: number;
  windowSize: number;
  windows: SoakWindow[];
  /** Alerts delivered before the run ended (all of them unless the pipeline stopped making progress). */
  delivered: number;
  /** Last window's cost against the second one's (the first includes warm-up), in percent. */
  costGrowthPct: number | null;
  /** Null when there are fewer than three windows: a trend needs a baseline after warm-up and a later one. */
  flat: boolean | null;
}

/** How long the soak waits for the next delivered alert before it gives up on the rest. */
const SOAK_QUIET_MS = 60_000;

/**
 * A long run at a fixed rate: the cost per alert of each window of delivered alerts. A cost that grows
 * with the alerts already processed (tables, indexes, maps, retained topics) shows up as a rising line.
 */
export async function runSoak(
  ctx: LoadContext,
  procs: Map<string, number[]>,
  o: { alerts: number; rate: number },
): Promise<SoakFigures> {
  const windowSize = o.alerts >= 1_000_000 ? 100_000 : Math.max(1000, Math.round(o.alerts / 10));
  const pipeline = [...procs].filter(([n]) => n !== 'bench-driver' && n !== 'relay').flatMap(([, p]) => p);
  const stagePids = ['ingestion', 'deidentify', 'review', 'fanout'].flatMap((n) => procs.get(n) ?? []);
  const windows: SoakWindow[] = [];
  ctx.tracker.resetWindow();
  let cpuAt = sample(pipeline).cpuSeconds;
  let latencyFrom = 0;
  const take = () => {
    while (ctx.tracker.firstDeliveries >= (windows.length + 1) * windowSize) {
      const cpu = sample(pipeline).cpuSeconds;
      const lat = ctx.tracker.latencies.slice(latencyFrom);
      latencyFrom = ctx.tracker.latencies.length;
      windows.push({
        window: `${windows.length * windowSize}–${(windows.length + 1) * windowSize}`,
        cpuSecondsPer1k: round((cpu - cpuAt) / (windowSize / 1000), 3),
        p99Ms: latencySummary(lat).p99,
        rssMbStages: round(sample(stagePids).rssBytes / 1048576),
      });
      cpuAt = cpu;
    }
  };
  const timer = setInterval(take, 200);
  try {
    await offer(ctx.producer, Topics.AlertsRaw, goodRecords(ctx), { rate: o.rate, count: o.alerts });
    // Offered faster than the pipeline drains, the backlog takes as long as it takes: the soak waits for
    // every alert while deliveries keep coming, instead of a load phase's fixed deadline.
    await drain(ctx.tracker, SOAK_QUIET_MS, Number.POSITIVE_INFINITY);
    take();
  } finally {
    clearInterval(timer);
    ctx.tracker.forgetOutstanding();
  }
  const delivered = ctx.tracker.firstDeliveries;
  const base = windows[1];
  const last = windows[windows.length - 1];
  const costGrowthPct =
    windows.length >= 3 && base && last
      ? round(((last.cpuSecondsPer1k - base.cpuSecondsPer1k) / base.cpuSecondsPer1k) * 100, 1)
      : null;
  const flat = costGrowthPct === null ? null : costGrowthPct <= 15;
  return { alerts: o.alerts, rate: o.rate, windowSize, windows, delivered, costGrowthPct, flat };
}

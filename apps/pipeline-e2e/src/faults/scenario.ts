import { mulberry32 } from '@kyoyu/simulator';
import { hostileRecords, markedAlerts, type WorkloadRecord } from '@kyoyu/testing';
import { streamRecords, type FaultStack } from './fault-stack';
import { rawWatermarks, summary, verify, waitUntilSettled, type Verdict } from './verify';

/** The fault points are random but reproducible from the printed seed. */
export const seededRandom = mulberry32;

/** Simulated alerts of all five formats and customers (auto-release and review) with bad records spread in. */
export function scenarioRecords(
  run: number,
  alerts: number,
  bad: number,
  hostileValidEvery = 0,
): WorkloadRecord[] {
  const good = markedAlerts({ seed: 1000 + run, count: alerts, run });
  const junk = hostileRecords({ count: bad, run, sourceOrg: 'cust-northwind', hostileValidEvery });
  const out: WorkloadRecord[] = [];
  const every = bad > 0 ? Math.max(1, Math.floor(alerts / bad)) : Infinity;
  let j = 0;
  for (const [i, r] of good.entries()) {
    out.push(r);
    const next = junk[j];
    if (i % every === every - 1 && next) {
      out.push(next);
      j++;
    }
  }
  out.push(...junk.slice(j));
  return out;
}

export interface ScenarioOptions {
  name: string;
  /** 1–255, unique per scenario: keeps each scenario's markers apart. */
  run: number;
  alerts?: number;
  bad?: number;
  /** Every n-th bad record is instead a valid alert full of regex-hostile strings (0: none). */
  hostileValidEvery?: number;
  batchSize?: number;
  /** Fraction of the stream after which `inject` runs (and `heal`, if given, at `healAt`). */
  faultAt?: number;
  inject: (stack: FaultStack) => Promise<void>;
  healAt?: number;
  heal?: (stack: FaultStack) => Promise<void>;
  /** After the stream, before waiting for outcomes (e.g. reviewer actions). */
  afterStream?: (stack: FaultStack, records: WorkloadRecord[]) => Promise<void>;
  settleTimeoutMs?: number;
}

export interface ScenarioResult {
  records: WorkloadRecord[];
  verdict: Verdict;
  resends: number;
  recoveryMs: number;
  /** When every record had its outcome (epoch ms). */
  settledAt: number;
}

/** Streams the records, injects the fault mid-stream, waits for every outcome, then reconciles. */
export async function runScenario(stack: FaultStack, o: ScenarioOptions): Promise<ScenarioResult> {
  const records = scenarioRecords(o.run, o.alerts ?? 300, o.bad ?? 24, o.hostileValidEvery ?? 0);
  const t0 = Date.now();
  const rawBefore = await rawWatermarks(stack);
  const faultAt = Math.floor(records.length * (o.faultAt ?? 0.4));
  const healAt = Math.floor(records.length * (o.healAt ?? 1));
  let injected = false;
  let healed = !o.heal;
  const { resends } = await streamRecords(stack.producer, records, {
    batchSize: o.batchSize ?? 20,
    between: async (sent) => {
      if (!injected && sent >= faultAt) {
        injected = true;
        await o.inject(stack);
      }
      if (injected && !healed && sent >= healAt) {
        healed = true;
        await o.heal?.(stack);
      }
    },
  });
  if (!healed) await o.heal?.(stack);
  const streamed = Date.now();
  await o.afterStream?.(stack, records);
  const s = await waitUntilSettled(stack, records, o.settleTimeoutMs).catch((e: unknown) => {
    // The stages' own recent log lines (codes and ids, never alert content) say where it stuck.
    const logs = [...stack.stages].map(([n, p]) => `--- ${n}\n${p.recentOutput.slice(-3000)}`).join('\n');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${logs}`);
  });
  const settledAt = Date.now();
  const recoveryMs = settledAt - streamed;
  const verdict = await verify(stack, records, s, t0, rawBefore);
  process.stderr.write(
    `[faults] ${summary(o.name, verdict, { resends, settledAfterStreamMs: recoveryMs })}\n`,
  );
  return { records, verdict, resends, recoveryMs, settledAt };
}

/** The promises every scenario keeps, as jest expectations. */
export async function expectNothingLostNothingLeaked(stack: FaultStack, r: ScenarioResult): Promise<void> {
  const { offsets, reconcile } = r.verdict;
  expect(offsets.problems.slice(0, 10)).toEqual([]);
  // Every record written is there (re-sent batches may add duplicates, each with its own outcome).
  expect(offsets.inputRecords).toBeGreaterThanOrEqual(r.records.length);
  // The operator's command agrees, over the records it finds by their timestamps (the dev broker cannot
  // search by time, so the command reads them).
  expect(reconcile.report.problems.slice(0, 10)).toEqual([]);
  expect(reconcile.exitCode).toBe(0);
  expect(r.verdict.conflictingPayloads).toEqual([]);
  expect(r.verdict.leaks).toEqual([]);
  expect(r.verdict.wrongRejections).toEqual([]);
  expect(r.verdict.deliveries).toBeGreaterThan(0);
  expect(await stack.deadStages()).toEqual([]);
}

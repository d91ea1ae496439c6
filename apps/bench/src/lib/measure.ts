import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** Throughput and per-item latency of one measured run. */
export interface RunFigures {
  name: string;
  items: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function latencySummary(samplesMs: Float64Array | number[]): RunFigures['latencyMs'] {
  const sorted = Float64Array.from(samplesMs).sort();
  return {
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    p999: round(percentile(sorted, 99.9)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

/**
 * Runs `fn` over `inputs` (cycled) for at least `minSeconds` after a warm-up, timing each call.
 * Synchronous work only: one core, no I/O, so the figure is the CPU cost per item.
 */
export function measureSync<T>(
  name: string,
  inputs: readonly T[],
  fn: (input: T) => unknown,
  { warmupSeconds = 0.5, minSeconds = 2 } = {},
): RunFigures {
  if (inputs.length === 0) throw new Error(`${name}: no inputs`);
  const deadline = (s: number) => performance.now() + s * 1000;
  let sink = 0;
  for (let i = 0, end = deadline(warmupSeconds); performance.now() < end; i++) {
    sink ^= fn(inputs[i % inputs.length] as T) === undefined ? 0 : 1;
  }
  const samples: number[] = [];
  const start = performance.now();
  const end = start + minSeconds * 1000;
  let i = 0;
  for (let now = start; now < end || i < inputs.length; i++) {
    const t0 = performance.now();
    sink ^= fn(inputs[i % inputs.length] as T) === undefined ? 0 : 1;
    now = performance.now();
    samples.push(now - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  if (sink === 2) console.log(''); // keeps the results observable so the calls cannot be optimised away
  return {
    name,
    items: i,
    seconds: round(seconds),
    perSecond: Math.round(i / seconds),
    latencyMs: latencySummary(samples),
  };
}

/** Event-loop delay while `fn` runs: a stalled loop shows up here before it shows up anywhere else. */
export async function withLoopDelay<R>(fn: () => Promise<R>): Promise<{ result: R; loopDelayP99Ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  try {
    const result = await fn();
    return { result, loopDelayP99Ms: round(h.percentile(99) / 1e6) };
  } finally {
    h.disable();
  }
}

/** Writes `bench/results/<name>.json` (committed alongside the README figures). */
export function writeResults(name: string, results: unknown): string {
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model };
  writeFileSync(
    file,
    JSON.stringify({ measuredAt: new Date().toISOString(), machine, results }, null, 2) + '\n',
  );
  return file;
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A fixed-width table for the console. */
export function table(rows: Array<Record<string, string | number>>): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0] as object);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((s, i) => s.padStart(width[i] as number)).join('  ');
  return [line(cols), ...rows.map((r) => line(cols.map((c) => String(r[c] ?? ''))))].join('\n');
}

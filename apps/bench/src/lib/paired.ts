import { performance } from 'node:perf_hooks';
import { latencySummary, round, type RunFigures } from './measure';

/** RunFigures plus the rate per second of this process's CPU time (what one core delivers). */
export interface PairedRunFigures extends RunFigures {
  cpuSeconds: number;
  cpuPerSecond: number;
}

/**
 * measureSync for a comparison: runs `a` and `b` over the same `inputs` in alternating slices of
 * `sliceMs`, so both see the same machine. A ratio of two sequential runs on a shared machine measures
 * the neighbours as much as the code; interleaved, a load spike hits both sides alike.
 * Besides wall-clock rates (`perSecond`) it reports rates per CPU second of this process
 * (`cpuPerSecond`, GC threads included), which stay meaningful while other processes compete for cores.
 */
export function measurePaired<T>(
  name: string,
  inputs: readonly T[],
  a: (input: T) => unknown,
  b: (input: T) => unknown,
  { warmupSeconds = 0.5, minSeconds = 2, sliceMs = 25 } = {},
): { a: PairedRunFigures; b: PairedRunFigures } {
  if (inputs.length === 0) throw new Error(`${name}: no inputs`);
  let sink = 0;
  const sides = [a, b].map((fn) => ({ fn, next: 0, items: 0, wallMs: 0, cpuUs: 0, samples: [] as number[] }));
  const runSlice = (side: (typeof sides)[number], record: boolean): void => {
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const end = start + sliceMs;
    let now = start;
    while (now < end) {
      const input = inputs[side.next] as T;
      side.next = (side.next + 1) % inputs.length;
      const t0 = performance.now();
      sink ^= side.fn(input) === undefined ? 0 : 1;
      now = performance.now();
      if (record) {
        side.samples.push(now - t0);
        side.items++;
      }
    }
    if (record) {
      const cpu = process.cpuUsage(cpu0);
      side.wallMs += now - start;
      side.cpuUs += cpu.user + cpu.system;
    }
  };
  for (const end = performance.now() + warmupSeconds * 1000; performance.now() < end;)
    for (const s of sides) runSlice(s, false);
  // Until each side has run minSeconds and seen every input at least once.
  while (sides.some((s) => s.wallMs < minSeconds * 1000 || s.items < inputs.length))
    for (const s of sides) runSlice(s, true);
  if (sink === 2) console.log(''); // keeps the results observable so the calls cannot be optimised away
  const figures = (s: (typeof sides)[number], label: string): PairedRunFigures => ({
    name: `${name} ${label}`,
    items: s.items,
    seconds: round(s.wallMs / 1000),
    perSecond: Math.round(s.items / (s.wallMs / 1000)),
    latencyMs: latencySummary(s.samples),
    cpuSeconds: round(s.cpuUs / 1e6),
    cpuPerSecond: Math.round(s.items / (s.cpuUs / 1e6)),
  });
  return {
    a: figures(sides[0] as (typeof sides)[number], 'a'),
    b: figures(sides[1] as (typeof sides)[number], 'b'),
  };
}

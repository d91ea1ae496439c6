import { readFileSync, readdirSync } from 'node:fs';

/** CPU time and resident memory of one process tree, from /proc (Linux). */
export interface ProcSample {
  cpuSeconds: number;
  rssBytes: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function stat(pid: number): { ppid: number; cpu: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), 1-based: 4 ppid, 14 utime, 15 stime, 16 cutime,
    // 17 cstime. Reaped children count too: PostgreSQL backends come and go under the postmaster.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(rest[i]), 0);
    return { ppid: Number(rest[1]), cpu: ticks / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function children(): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    const pid = Number(d);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s) out.set(s.ppid, [...(out.get(s.ppid) ?? []), pid]);
  }
  return out;
}

/**
 * The processes of a benchmark run, by name: each stage (matched on its dist/ entry point), the broker,
 * PostgreSQL when embedded (the postmaster and its backends), and this process.
 */
export function findProcesses(self = process.pid): Map<string, number[]> {
  const kids = children();
  const tree = (pid: number): number[] => [pid, ...(kids.get(pid) ?? []).flatMap(tree)];
  const named = new Map<string, number[]>([['bench-driver', [self]]]);
  for (const pid of kids.get(self) ?? []) {
    const cmd = cmdline(pid);
    const stage = /dist\/apps\/(\w+)\/src\/main\.js/.exec(cmd)?.[1];
    const name =
      stage ??
      (/kafka-mock/.test(cmd)
        ? 'broker'
        : /postgres/.test(cmd)
          ? 'postgres'
          : /relay\.js/.test(cmd)
            ? 'relay'
            : undefined);
    if (!name) continue;
    named.set(name, [...(named.get(name) ?? []), ...tree(pid)]);
  }
  return named;
}

export function sample(pids: readonly number[]): ProcSample {
  let cpuSeconds = 0;
  let rssBytes = 0;
  for (const pid of pids) {
    cpuSeconds += stat(pid)?.cpu ?? 0;
    rssBytes += rss(pid);
  }
  return { cpuSeconds, rssBytes };
}

/** Samples every named process periodically; reports CPU used (cores) and peak RSS over a window. */
export class ProcMonitor {
  private readonly peak = new Map<string, number>();
  private start = new Map<string, ProcSample>();
  private t0 = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly procs: Map<string, number[]>) {}

  begin(): void {
    this.peak.clear();
    this.t0 = performance.now();
    this.start = new Map([...this.procs].map(([n, p]) => [n, sample(p)]));
    this.timer = setInterval(() => this.tick(), 500);
    this.timer.unref();
  }

  private tick(): void {
    for (const [n, p] of this.procs) this.peak.set(n, Math.max(this.peak.get(n) ?? 0, sample(p).rssBytes));
  }

  /** Per process: CPU cores used on average, CPU seconds, peak RSS in MB. */
  end(): Record<string, { cpuCores: number; cpuSeconds: number; rssMbPeak: number }> {
    this.tick();
    if (this.timer) clearInterval(this.timer);
    const seconds = (performance.now() - this.t0) / 1000;
    const out: Record<string, { cpuCores: number; cpuSeconds: number; rssMbPeak: number }> = {};
    for (const [n, p] of this.procs) {
      const cpu = sample(p).cpuSeconds - (this.start.get(n)?.cpuSeconds ?? 0);
      out[n] = {
        cpuCores: round(cpu / seconds),
        cpuSeconds: round(cpu),
        rssMbPeak: round((this.peak.get(n) ?? 0) / 1048576),
      };
    }
    return out;
  }
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

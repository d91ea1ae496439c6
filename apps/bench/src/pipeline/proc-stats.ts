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

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * The processes of a benchmark run, by name: each stage (matched on its dist/ entry point), the broker,
 * PostgreSQL (the postmaster and its backends) when embedded or, with `localServer`, the machine's own
 * PostgreSQL service (every process named `postgres`: its other databases' work counts too), and this process.
 */
export function findProcesses(
  self = process.pid,
  opts: { localServer?: boolean } = {},
): Map<string, number[]> {
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
  if (opts.localServer) {
    const server = [...kids.values()].flat().filter((pid) => comm(pid) === 'postgres');
    named.set('postgres', [...(named.get('postgres') ?? []), ...server]);
  }
  return named;
}

/** Whether a PostgreSQL URL names a server on this machine (its CPU can then be read from /proc). */
export function isLocalServer(url: string | undefined): boolean {
  if (!url) return false;
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(new URL(url).hostname);
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

/** The whole machine's CPU time so far (/proc/stat), in seconds: busy (user, system, interrupts) and stolen. */
export interface MachineSample {
  busySeconds: number;
  stealSeconds: number;
}

export function machineSample(): MachineSample {
  // "cpu  user nice system idle iowait irq softirq steal ...", in USER_HZ ticks over all cores.
  const f =
    readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const t = (i: number) => f[i] ?? 0;
  return {
    busySeconds: (t(0) + t(1) + t(2) + t(5) + t(6)) / TICKS_PER_SECOND,
    stealSeconds: t(7) / TICKS_PER_SECOND,
  };
}

/** What every process on the machine used (PostgreSQL as a system service, the kernel's network work included). */
export interface MachineFigures {
  busyCores: number;
  stealCores: number;
}

/**
 * Samples every named process periodically; reports CPU used (cores) and peak RSS over a window, and the
 * machine's busy and stolen cores over the same window: the named processes alone can look idle on a machine
 * that is saturated by what they do not include.
 */
export class ProcMonitor {
  private readonly peak = new Map<string, number>();
  /** CPU seconds so far of each named process and of the machine, every 500 ms from begin(). */
  private samples: Array<{ at: number; cpu: Map<string, number>; machine: MachineSample }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly procs: Map<string, number[]>) {}

  begin(): void {
    this.peak.clear();
    this.samples = [];
    this.tick();
    this.timer = setInterval(() => this.tick(), 500);
    this.timer.unref();
  }

  private tick(): void {
    const cpu = new Map<string, number>();
    for (const [n, p] of this.procs) {
      const s = sample(p);
      cpu.set(n, s.cpuSeconds);
      this.peak.set(n, Math.max(this.peak.get(n) ?? 0, s.rssBytes));
    }
    this.samples.push({ at: Date.now(), cpu, machine: machineSample() });
  }

  /**
   * Per process: CPU cores used on average, CPU seconds, peak RSS in MB. CPU is counted up to the first sample
   * at or after `until` (ms since the epoch) when given: a phase's drain ends with a quiet wait (alerts held
   * for review are never delivered) that would otherwise dilute the figure.
   */
  end(until?: number): {
    processes: Record<string, { cpuCores: number; cpuSeconds: number; rssMbPeak: number }>;
    machine: MachineFigures;
  } {
    this.tick();
    if (this.timer) clearInterval(this.timer);
    const first = this.samples[0] as (typeof this.samples)[number];
    const last = this.samples[this.samples.length - 1] as (typeof this.samples)[number];
    const to = (until === undefined ? undefined : this.samples.find((x) => x.at >= until)) ?? last;
    const seconds = Math.max(0.001, (to.at - first.at) / 1000);
    const out: Record<string, { cpuCores: number; cpuSeconds: number; rssMbPeak: number }> = {};
    for (const [n] of this.procs) {
      const cpu = (to.cpu.get(n) ?? 0) - (first.cpu.get(n) ?? 0);
      out[n] = {
        cpuCores: round(cpu / seconds),
        cpuSeconds: round(cpu),
        rssMbPeak: round((this.peak.get(n) ?? 0) / 1048576),
      };
    }
    const machine = {
      busyCores: round((to.machine.busySeconds - first.machine.busySeconds) / seconds),
      stealCores: round((to.machine.stealSeconds - first.machine.stealSeconds) / seconds),
    };
    return { processes: out, machine };
  }
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

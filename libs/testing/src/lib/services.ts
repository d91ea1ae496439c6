import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { freePort } from './ports';
import { repoRoot } from './repo';

export type StageName = 'ingestion' | 'deidentify' | 'review' | 'fanout';
export const STAGES: readonly StageName[] = ['ingestion', 'deidentify', 'review', 'fanout'];

export interface StackEnv {
  bootstrap: string[];
  databaseUrl: string;
  reviewToken: string;
  pseudonymKeys: string;
  logLevel?: string;
  /** Further settings per stage (e.g. OTEL_EXPORTER_OTLP_ENDPOINT, METRICS_PORT); they win over the defaults. */
  extraEnv?: (stage: StageName) => Record<string, string>;
  /** Keep every line the services print (tests that scan logs), not only the recent ones. */
  captureOutput?: boolean;
}

/** Settings a local stack needs that are secrets in production: generated per run. */
export function localSecrets(): Pick<StackEnv, 'reviewToken' | 'pseudonymKeys'> {
  return {
    reviewToken: randomBytes(24).toString('hex'),
    pseudonymKeys: JSON.stringify({ local: randomBytes(32).toString('base64') }),
  };
}

export function serviceEnv(stage: StageName, stack: StackEnv, port: number): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: stack.logLevel ?? 'warn',
    HTTP_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
    KAFKA_BROKERS: stack.bootstrap.join(','),
    DATABASE_URL: stack.databaseUrl,
  };
  if (stage === 'ingestion') env['ALLOW_SOURCE_ORG_HEADER'] = 'true';
  if (stage === 'deidentify') {
    env['PSEUDONYM_KEYS'] = stack.pseudonymKeys;
    env['PSEUDONYM_ACTIVE_KEY_ID'] = 'local';
  }
  if (stage === 'review') env['REVIEW_API_TOKEN'] = stack.reviewToken;
  return { ...env, ...(stack.extraEnv?.(stage) ?? {}) };
}

/**
 * glibc malloc settings every stage process runs with: here for local runs (demo, tests, benchmarks) and in the
 * Dockerfile's runtime stage for the images (tools/ci/validate-deploy.sh checks they agree). kafkajs encodes a
 * request by copying each message through nested, doubling buffers, and the pg driver does the same with a
 * statement's parameters: buffers of up to a few megabytes, made and freed many times a second.
 * - Below the mmap threshold (1 MB) they come from the malloc heap, whose pages are reused. Fresh mmapped
 *   pages cost a page fault each on first touch: with the threshold at 128 KB, copying into them took almost
 *   half of fan-out's CPU per delivery (bench:fanout, 10 subscribers, two runs each in one session: 455 and
 *   506 µs per delivery, against 259 and 292 µs with this setting and fan-out's 50-message requests).
 * - Above the trim threshold (4 MB) free memory at the top of the heap is given back: with glibc's defaults
 *   both thresholds grow with the largest buffer seen (to 32 and 64 MB) and the heap never shrinks (92–116 MB of
 *   heap in three services during a soak).
 * The price is memory: fan-out peaked at 235 and 239 MB in those runs against 222 and 235 MB, and in one quick
 * pipeline run each the largest service (fan-out) at 303 MB against 265 MB. 4 MB and 16 MB saved no more CPU
 * and kept more (266–270 MB in the same fan-out runs).
 */
export const STAGE_PROCESS_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '1048576',
  MALLOC_TRIM_THRESHOLD_: '4194304',
};

/** One stage running as its own process from the built dist/. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private output: string[] = [];
  private readonly captured: string[] = [];

  constructor(
    readonly stage: StageName,
    private readonly env: Record<string, string>,
    readonly port: number,
    private readonly captureOutput = false,
    /** Extra Node.js options for the process (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
    private readonly nodeArgs: readonly string[] = [],
  ) {}

  /** Everything the process printed (stdout and stderr), when started with captureOutput. */
  get allOutput(): string {
    return this.captured.join('');
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Recent output lines, for diagnosing a failed start. */
  get recentOutput(): string {
    return this.output.slice(-40).join('');
  }

  start(): void {
    const main = path.join(repoRoot(), 'dist', 'apps', this.stage, 'src', 'main.js');
    const child = spawn(process.execPath, ['--enable-source-maps', ...this.nodeArgs, main], {
      env: { PATH: process.env['PATH'] ?? '', ...STAGE_PROCESS_ENV, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      this.output.push(b.toString('utf8'));
      if (this.captureOutput) this.captured.push(b.toString('utf8'));
      if (this.output.length > 200) this.output.splice(0, 100);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.child = child;
  }

  /** Waits until /health/ready answers 200 (the consumer is in its group, Postgres answers). */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (Date.now() < deadline) {
      if (exited) throw new Error(`${this.stage} exited during start-up:\n${this.recentOutput}`);
      try {
        const res = await fetch(`${this.url}/health/ready`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.stage} not ready after ${timeoutMs} ms:\n${this.recentOutput}`);
  }

  /** Graceful stop (SIGTERM): finishes in-flight work, commits, leaves the group. */
  async stop(): Promise<number | null> {
    this.child?.kill('SIGTERM');
    return this.exited;
  }

  /** Crash (SIGKILL): no clean-up at all. */
  async kill(): Promise<number | null> {
    this.child?.kill('SIGKILL');
    return this.exited;
  }
}

/** Starts the four stages and waits until each is ready. */
export async function startStages(
  stack: StackEnv,
  only: readonly StageName[] = STAGES,
): Promise<Map<StageName, ServiceProcess>> {
  const procs = new Map<StageName, ServiceProcess>();
  for (const stage of only) {
    const port = await freePort();
    const p = new ServiceProcess(stage, serviceEnv(stage, stack, port), port, stack.captureOutput ?? false);
    p.start();
    procs.set(stage, p);
  }
  await Promise.all([...procs.values()].map((p) => p.waitReady()));
  return procs;
}

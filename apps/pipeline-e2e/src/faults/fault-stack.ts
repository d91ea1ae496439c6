import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { Headers, Topics, shareTopic } from '@kyoyu/contracts';
import { KafkaPublisher, createKafka } from '@kyoyu/messaging';
import { openDataSource, upsertCustomers, upsertSubscribers } from '@kyoyu/persistence';
import { DEMO_SUBSCRIBERS, demoRegistry } from '@kyoyu/simulator';
import {
  HOSTILE_INGESTION_ENV,
  ServiceProcess,
  TopicReader,
  freePort,
  localSecrets,
  repoRoot,
  serviceEnv,
  startStages,
  type StackEnv,
  type StageName,
  type WorkloadRecord,
} from '@kyoyu/testing';

export const SHARE_TOPICS = DEMO_SUBSCRIBERS.map((s) => shareTopic(s.id));

/** The running pipeline of one fault scenario: four stage processes, a producer, a reader, the database. */
export interface FaultStack {
  env: StackEnv;
  kafka: Kafka;
  /** The SIEM side: our own publisher, so a kafkajs drop on the way in cannot pass for a pipeline loss. */
  producer: KafkaPublisher;
  db: DataSource;
  stages: Map<StageName, ServiceProcess>;
  /** Reads the raw, rejected and subscriber topics from the beginning. */
  reader: TopicReader;
  /** kill -9 of a stage, then a fresh process of it, ready. */
  crashAndRestart(stage: StageName): Promise<void>;
  /** One more process of a stage in the same consumer group (for rebalance storms). */
  extraMember(stage: StageName): Promise<ServiceProcess>;
  /** Stages whose process no longer answers /health/live (a crash the test did not cause). */
  deadStages(): Promise<StageName[]>;
  close(): Promise<void>;
}

export function itBootstrap(): string[] {
  const bootstrap = (process.env['KYOYU_IT_BOOTSTRAP'] ?? '').split(',').filter(Boolean);
  if (!bootstrap.length) throw new Error('integration stack not started (global-setup.mjs)');
  return bootstrap;
}

/**
 * Starts the four stages on the run's broker and `databaseUrl` (default: the run's database) with the
 * demo registry: two customers on automatic release, one (cust-harbor) that reviews everything.
 */
export async function startFaultStack(
  opts: { databaseUrl?: string; stageEnv?: (stage: StageName) => Record<string, string> } = {},
): Promise<FaultStack> {
  const bootstrap = itBootstrap();
  const databaseUrl = opts.databaseUrl ?? process.env['KYOYU_IT_DATABASE_URL'] ?? '';
  const env: StackEnv = {
    bootstrap,
    databaseUrl,
    ...localSecrets(),
    // Ingestion runs with the hostile-input limits, so oversized records stay cheap for the broker.
    extraEnv: (stage) => ({
      ...(stage === 'ingestion' ? HOSTILE_INGESTION_ENV : {}),
      ...(opts.stageEnv?.(stage) ?? {}),
    }),
  };
  const db = await openDataSource(databaseUrl, 'kyoyu-faults');
  await upsertCustomers(db, demoRegistry());
  await upsertSubscribers(db, DEMO_SUBSCRIBERS);

  // Our own clients refresh metadata often too, or the reader would sit out a broker outage.
  const kafka = createKafka({ brokers: bootstrap, clientId: 'kyoyu-faults' }, pino({ level: 'silent' }));
  const producer = new KafkaPublisher(kafka);
  await producer.connect();
  const reader = await new TopicReader(kafka, [
    Topics.AlertsRaw,
    Topics.AlertsRejected,
    ...SHARE_TOPICS,
  ]).start();
  const stages = await startStages(env);
  const extras: ServiceProcess[] = [];

  return {
    env,
    kafka,
    producer,
    db,
    stages,
    reader,
    async crashAndRestart(stage) {
      const old = stages.get(stage);
      if (!old) throw new Error(`no ${stage} process to crash`);
      await old.kill();
      const fresh = new ServiceProcess(stage, serviceEnv(stage, env, old.port), old.port);
      fresh.start();
      stages.set(stage, fresh);
      await fresh.waitReady();
    },
    async extraMember(stage) {
      const port = await freePort();
      const p = new ServiceProcess(stage, serviceEnv(stage, env, port), port);
      p.start();
      extras.push(p);
      await p.waitReady();
      return p;
    },
    async deadStages() {
      const dead: StageName[] = [];
      for (const [name, p] of stages) {
        const live = await fetch(`${p.url}/health/live`).then(
          (r) => r.ok,
          () => false,
        );
        if (!live) dead.push(name);
      }
      return dead;
    },
    async close() {
      await Promise.all([...stages.values(), ...extras].map((s) => s.stop()));
      await reader.stop().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await db.destroy().catch(() => undefined);
    },
  };
}

/**
 * Writes records to the raw topic in batches as a SIEM forwarder would: a batch that fails is sent again
 * (at-least-once), so an outage delays records but never drops them. `between` runs after each batch
 * (fault injection at a chosen point of the stream).
 */
export async function streamRecords(
  producer: KafkaPublisher,
  records: readonly WorkloadRecord[],
  opts: { batchSize?: number; between?: (sent: number) => Promise<void>; retryForMs?: number } = {},
): Promise<{ resends: number }> {
  const size = opts.batchSize ?? 20;
  let resends = 0;
  for (let i = 0; i < records.length; i += size) {
    const batch = records.slice(i, i + size);
    const deadline = Date.now() + (opts.retryForMs ?? 120_000);
    for (;;) {
      try {
        await producer.publish(
          batch.map((r) => ({
            topic: Topics.AlertsRaw,
            key: r.key,
            value: Buffer.from(r.value),
            headers: { [Headers.SourceOrg]: r.sourceOrg },
          })),
        );
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        resends++;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await opts.between?.(Math.min(i + size, records.length));
  }
  return { resends };
}

export interface CliReconcile {
  exitCode: number | null;
  report: {
    inputRecords: number;
    outcomes: Record<string, number>;
    problems: Array<{ origin: string; code: string; found: string[] }>;
    ok: boolean;
  };
}

/** `kyoyu --json reconcile --from … --to …`, the operator's command, run from dist/ as a process. */
export async function runCliReconcile(env: StackEnv, fromMs: number, toMs: number): Promise<CliReconcile> {
  const main = path.join(repoRoot(), 'dist', 'apps', 'cli', 'src', 'main.js');
  const args = [
    main,
    '--json',
    'reconcile',
    '--from',
    new Date(fromMs).toISOString(),
    '--to',
    new Date(toMs).toISOString(),
  ];
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env['PATH'] ?? '',
      DATABASE_URL: env.databaseUrl,
      KAFKA_BROKERS: env.bootstrap.join(','),
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    return { exitCode, report: JSON.parse(out) as CliReconcile['report'] };
  } catch {
    throw new Error(
      `kyoyu reconcile exited ${String(exitCode)} without a JSON report: ${err.slice(0, 2000)}`,
    );
  }
}

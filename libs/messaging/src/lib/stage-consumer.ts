import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import {
  SpanKind,
  SpanStatusCode,
  context,
  metrics,
  trace,
  type Context,
  type Counter,
  type Span,
} from '@opentelemetry/api';
import type { Logger } from 'pino';
import {
  ContractViolation,
  Headers,
  Topics,
  deterministicId,
  encodeEvent,
  sha256Hex,
  type RejectReason,
  type Stage,
} from '@kyoyu/contracts';
import { withCorrelationId } from '@kyoyu/telemetry';
import { ConsumerLagMonitor } from './consumer-lag';
import { PoisonRecordError } from './errors';
import { OffsetCommitter, type PartitionOffset } from './offset-committer';
import type { KafkaPublisher } from './publisher';
import {
  NO_DEFERRAL,
  toInboundRecord,
  type BatchContext,
  type InboundRecord,
  type OutboundMessage,
  type RecordOutcome,
} from './records';
import { SettlingOffsets, type SettlingRun } from './settling-offsets';
import { extractTraceContext, injectTraceContext } from './trace-context';
import { Waves } from './waves';

/** What a stage does with one record: the messages that are its outcome (may be none). */
export type RecordHandler = (record: InboundRecord) => Promise<OutboundMessage[]>;

/**
 * What a stage does with many records at once (one database statement for all of them, say): one outcome
 * per record, aligned by index. `batch.defer` lets part of the work finish after it returns (BatchContext).
 */
export type BatchHandler = (records: InboundRecord[], batch: BatchContext) => Promise<RecordOutcome[]>;

/** How one topic's records are handled: one at a time, or in batches. */
export type TopicHandler = { batch: false; handle: RecordHandler } | { batch: true; handle: BatchHandler };

export interface StageConsumerOptions {
  stage: Stage;
  groupId: string;
  topics: string[];
  /**
   * The handler for a topic's records. Batches waiting for the same batch handler (the same object) may be
   * handled in one call, whatever their topic and partition.
   */
  handlerFor: (topic: string) => TopicHandler | undefined;
  publisher: KafkaPublisher;
  logger: Logger;
  /** Attempts for transient failures before the record is rejected with RETRIES_EXHAUSTED. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt. */
  retryBaseDelayMs?: number;
  /** Publish and commit after this many outcome messages even inside a batch; also a batch handler's size. */
  flushEvery?: number;
  /** Originals up to this size travel base64 in the rejection; larger ones as a hash only. */
  maxRejectedOriginalBytes?: number;
  /**
   * Partition batches handled at once. Batch-handled ones that wait for a slot meanwhile are handled together
   * (see Waves), up to `flushEvery` records.
   */
  partitionsConsumedConcurrently?: number;
  fromBeginning?: boolean;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  maxWaitTimeInMs?: number;
  /** Observes every outcome (metrics); must not throw. */
  onRecord?: (
    outcome: 'handled' | 'rejected' | 'retried',
    record: InboundRecord,
    reason?: RejectReason,
  ) => void;
}

const tracer = trace.getTracer('kyoyu.messaging');

/** Partition batches kafkajs may hand over at once (it fetches again when all are done). */
const HANDED_OVER_PARTITIONS = 64;

/** Records of one batch-handled partition, up to `flushEvery`, waiting for their wave. */
interface Chunk {
  kind: 'chunk';
  handle: BatchHandler;
  topic: string;
  partition: number;
  records: InboundRecord[];
  firstOffset: string;
  lastOffset: string;
  resolveOffset: (offset: string) => void;
  heartbeat: () => Promise<void>;
  /** False once the consumer stops or the partition is sought elsewhere: its records will be read again. */
  live: () => boolean;
  /**
   * False once the partition is sought elsewhere or the group rebalanced: its records will be read again, so
   * the chunk's offsets are neither resolved nor committed (a stopping consumer still commits what it handled).
   */
  current: () => boolean;
}

/** Where a handled run of records was read from, as publishThenCommit resolves and commits it. */
type Position = Pick<
  Chunk,
  'topic' | 'partition' | 'firstOffset' | 'lastOffset' | 'resolveOffset' | 'current'
>;

/**
 * How long the broker may hold a stage's fetch that found no records (kafkajs' `maxWaitTimeInMs`). kafkajs sends
 * a consumer's offset commits and heartbeats on the same connection as its fetches, and Kafka answers one
 * connection's requests in order, so a commit to the group coordinator waits behind the coordinator's pending
 * long poll (librdkafka and the Java client keep a separate coordinator connection for this reason). When a wave
 * still awaited its commit before its partitions were fetched again, a record could wait out a whole fetch wait
 * at low load: at kafkajs' 100 ms, fan-out's release → stored p99 at 100 subscribers' half load was 150–180 ms;
 * at 20 ms, 37–44. Commits are off that path now (OffsetCommitter), but kafkajs still awaits a heartbeat, when
 * one is due, before fetching a handled batch's partitions again. The price is idle fetching: a consumer of an
 * idle topic on three brokers fetched 141–144 times a second instead of 29–30, and used 5.6–11.9% of a core
 * instead of 3.5–4.5%. The default: a service's KAFKA_FETCH_MAX_WAIT_MS overrides it (an operator who prefers
 * fewer idle fetches to low-load latency).
 */
export const STAGE_FETCH_MAX_WAIT_MS = 20;

/** The fetch wait a stage consumer runs with: the service's KAFKA_FETCH_MAX_WAIT_MS when set, else the default. */
export function stageFetchMaxWaitMs(configured?: number): number {
  return configured ?? STAGE_FETCH_MAX_WAIT_MS;
}

/** What the waves run: chunks of batch-handled partitions, or a record-handled partition's whole batch. */
type PartitionWork = Chunk | { kind: 'batch'; payload: EachBatchPayload; handle: RecordHandler };

/**
 * Consumes a stage's topics with at-least-once semantics and never stalls a partition:
 * - a bad record (PoisonRecordError, ContractViolation) goes to `alerts.rejected.v1` with its reason at once;
 * - any other failure is retried with backoff, and after `maxAttempts` rejected with RETRIES_EXHAUSTED;
 * - offsets are committed only after the outcome messages are acknowledged by the broker, off the path to the
 *   partitions' next fetch (OffsetCommitter), and after any work the handler deferred (BatchContext), in offset
 *   order per partition (SettlingOffsets); deferred work that fails has its partitions read again from the batch;
 * - stop() sends the offsets waiting to be committed, lets the waves in flight finish, publish and commit, and
 *   leaves the group: a clean restart reads nothing twice. Waves not yet started are left to be read again.
 * Downstream consumers deduplicate by deterministic event id, so a replay after a crash is harmless.
 */
export class StageConsumer {
  private readonly consumer: Consumer;
  private joined = false;
  private crashed = false;
  private readonly recordsIn: Counter;
  private readonly lag: ConsumerLagMonitor;
  private readonly flushEvery: number;
  private readonly waves: Waves<PartitionWork>;
  private readonly commits: OffsetCommitter;
  /** Handled runs of records whose offsets wait for deferred work, per partition in offset order. */
  private readonly settling = new SettlingOffsets();
  /** Deferred work not yet settled (each settles its runs, or has them read again); bounded by `maxDeferred`. */
  private readonly deferred = new Set<Promise<void>>();
  private readonly maxDeferred: number;
  /** Counts group joins: a chunk submitted before the latest join is read again, not committed. */
  private generation = 0;
  /**
   * Per partition, the last record of a run whose deferred work failed: read again, records up to it are handled
   * without deferral, so a failure that persists meets the retries and rejections of any other. The partition's
   * later runs, read again too, may defer once more.
   */
  private readonly replayUntil = new Map<string, bigint>();
  /** Set by stop(): waves then commit before their batch returns to kafkajs (see publishThenCommit). */
  private stopping = false;
  /**
   * The consumer group's own commit, as the latest batch payload hands it out. kafkajs' consumer.commitOffsets
   * drops commits once the consumer is stopping; this one still goes out until kafkajs leaves the group, which it
   * does only after the batches in flight have returned.
   */
  private groupCommit: EachBatchPayload['commitOffsetsIfNecessary'] | undefined;

  constructor(
    kafka: Kafka,
    private readonly opts: StageConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeout ?? 6000,
      rebalanceTimeout: Math.max(opts.sessionTimeout ?? 6000, 10000),
      heartbeatInterval: opts.heartbeatInterval ?? 500,
      maxWaitTimeInMs: stageFetchMaxWaitMs(opts.maxWaitTimeInMs),
      allowAutoTopicCreation: true,
    });
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      this.joined = true;
      this.crashed = false;
      // kafkajs reads the partitions again from their committed offsets: runs still settling are redone.
      this.generation++;
      this.settling.dropAll();
      this.commits.retain(
        new Map(Object.entries(e.payload.memberAssignment).map(([t, ps]) => [t, new Set(ps)])),
      );
    });
    this.consumer.on(CRASH, (e) => {
      this.crashed = true;
      opts.logger.error({ stage: opts.stage, error: e.payload.error.name }, 'consumer crashed');
    });
    this.consumer.on(STOP, () => (this.joined = false));
    this.consumer.on(DISCONNECT, () => (this.joined = false));
    // Meters are taken here, not at import: the meter provider is registered by startTelemetry first.
    this.recordsIn = metrics.getMeter('kyoyu.stage').createCounter('kyoyu_stage_records_in', {
      description: 'Records consumed, by stage and topic',
    });
    this.lag = new ConsumerLagMonitor(kafka, opts.stage, opts.groupId, opts.topics, opts.logger);
    this.flushEvery = opts.flushEvery ?? 500;
    // One deferred piece of work per wave slot: the next waves run while the last ones' work settles.
    this.maxDeferred = opts.partitionsConsumedConcurrently ?? 1;
    this.commits = new OffsetCommitter({
      send: (offsets) =>
        this.stopping && this.groupCommit
          ? this.groupCommit({ topics: byTopic(offsets) })
          : this.consumer.commitOffsets(offsets),
      // A rebalance or coordinator move: the offsets wait for the next commit; kafkajs rejoins on its own.
      onError: (e, partitions) =>
        opts.logger.warn({ stage: opts.stage, partitions, error: errorName(e) }, 'offset commit failed'),
    });
    this.waves = new Waves<PartitionWork>({
      maxInFlight: opts.partitionsConsumedConcurrently ?? 1,
      maxWeight: this.flushEvery,
      weigh: (w) => (w.kind === 'chunk' ? w.records.length : w.payload.batch.messages.length),
      joins: (head, w) => head.kind === 'chunk' && w.kind === 'chunk' && head.handle === w.handle,
      run: (work) => this.runWave(work),
    });
  }

  /** True once the consumer is in its group and has not crashed, until stop() is called. */
  get isReady(): boolean {
    return this.joined && !this.crashed && !this.stopping;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.opts.topics,
      fromBeginning: this.opts.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // kafkajs hands every partition batch of a fetch response over at once; the waves bound the work.
      partitionsConsumedConcurrently: HANDED_OVER_PARTITIONS,
      eachBatch: (payload) => this.processBatch(payload),
    });
    this.lag.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.lag.stop();
    while (this.deferred.size > 0) await Promise.all(this.deferred);
    await this.commits.flush();
    // kafkajs waits for the batches in flight, whose waves commit before they return, then leaves the group.
    await this.consumer.stop();
    await this.consumer.disconnect();
  }

  private processBatch(payload: EachBatchPayload): Promise<void> {
    this.groupCommit = payload.commitOffsetsIfNecessary;
    const handler = this.opts.handlerFor(payload.batch.topic);
    if (handler?.batch) return this.submitChunks(payload, handler.handle);
    return this.waves.submit({ kind: 'batch', payload, handle: handler?.handle ?? (async () => []) });
  }

  /**
   * A batch-handled partition's records go to the waves in chunks of at most `flushEvery`, one after the other,
   * each committed before the next is submitted.
   */
  private async submitChunks(
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
    handle: BatchHandler,
  ): Promise<void> {
    const generation = this.generation;
    const current = () => !isStale() && generation === this.generation;
    for (let i = 0; i < batch.messages.length; i += this.flushEvery) {
      if (!isRunning() || isStale()) break;
      const chunk = batch.messages.slice(i, i + this.flushEvery);
      await this.waves.submit({
        kind: 'chunk',
        handle,
        topic: batch.topic,
        partition: batch.partition,
        records: chunk.map((m) => toInboundRecord(batch.topic, batch.partition, m)),
        firstOffset: (chunk[0] as { offset: string }).offset,
        lastOffset: (chunk[chunk.length - 1] as { offset: string }).offset,
        resolveOffset,
        heartbeat,
        live: () => isRunning() && current(),
        current,
      });
    }
  }

  private runWave(work: PartitionWork[]): Promise<void> {
    const [first] = work;
    if (first?.kind === 'batch') return this.processEachRecord(first.payload, first.handle);
    return this.processChunks(work as Chunk[]);
  }

  /**
   * Chunks of several partitions that share a batch handler: one handler call, one publish of the outcome
   * messages, one offset commit for all of them.
   */
  private async processChunks(waiting: Chunk[]): Promise<void> {
    const chunks = waiting.filter((c) => c.live());
    const [first] = chunks;
    if (!first) return;
    const handledAt = performance.now();
    const records = chunks.flatMap((c) => c.records);
    for (const c of chunks) this.recordsIn.add(c.records.length, { stage: this.opts.stage, topic: c.topic });
    const replay = chunks.some((c) => this.replaying(c));
    const { out, deferred } = await this.processRecords(records, first.handle, first.heartbeat, !replay);
    await this.publishThenCommit(out, chunks, first.heartbeat, records.length, handledAt, deferred);
  }

  /** Whether a chunk's records are read again after deferred work failed; forgets the mark past its end. */
  private replaying(c: Chunk): boolean {
    const key = keyOf(c);
    const until = this.replayUntil.get(key);
    if (until === undefined) return false;
    if (BigInt(c.lastOffset) >= until) this.replayUntil.delete(key);
    return BigInt(c.firstOffset) <= until;
  }

  /** A record-handled partition's batch: one record after the other, published and committed every `flushEvery`. */
  private async processEachRecord(
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
    handle: RecordHandler,
  ): Promise<void> {
    let pending: OutboundMessage[] = [];
    let firstOffset: string | undefined;
    let lastOffset: string | undefined;
    let records = 0;
    let handledAt = performance.now();
    const generation = this.generation;
    const current = () => !isStale() && generation === this.generation;
    const flush = async () => {
      if (firstOffset === undefined || lastOffset === undefined) return;
      const { topic, partition } = batch;
      const position = { topic, partition, firstOffset, lastOffset, resolveOffset, current };
      await this.publishThenCommit(pending, [position], heartbeat, records, handledAt);
      pending = [];
      firstOffset = lastOffset = undefined;
      records = 0;
      handledAt = performance.now();
    };
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const record = toInboundRecord(batch.topic, batch.partition, message);
      this.recordsIn.add(1, { stage: this.opts.stage, topic: batch.topic });
      const outcome = await this.processRecord(record, handle, heartbeat);
      for (const m of outcome) pending.push(m);
      firstOffset ??= message.offset;
      lastOffset = message.offset;
      records++;
      if (pending.length >= this.flushEvery) await flush();
    }
    await flush();
  }

  /**
   * Publishes the outcome messages, and only then resolves each partition past its last handled offset (kafkajs
   * may fetch it again) and hands the offsets to the committer (which sends them without holding up the
   * partitions' next fetch): at once, or once the handler's deferred work settles (settleLater).
   * Logs where the time went (counts and milliseconds only): handling, publishing.
   */
  private async publishThenCommit(
    pending: OutboundMessage[],
    positions: ReadonlyArray<Position>,
    heartbeat: () => Promise<void>,
    records: number,
    handledAt: number,
    deferred?: Promise<unknown>,
  ): Promise<void> {
    const t0 = performance.now();
    await this.opts.publisher.publish(pending);
    const current = positions.filter((p) => p.current());
    for (const p of current) p.resolveOffset(p.lastOffset);
    const runs = current.map((p) =>
      this.settling.open(p.topic, p.partition, (BigInt(p.lastOffset) + 1n).toString()),
    );
    if (deferred) await this.settleLater(deferred, runs, current);
    else this.settle(runs);
    // Stopping: kafkajs leaves the group once this batch returns, so its commit must be answered before.
    if (this.stopping) await this.commits.flush();
    const t1 = performance.now();
    await heartbeat();
    this.opts.logger.debug(
      {
        stage: this.opts.stage,
        partitions: positions.length,
        records,
        published: pending.length,
        handleMs: Math.round(t0 - handledAt),
        publishMs: Math.round(t1 - t0),
      },
      'batch flushed',
    );
  }

  /** Hands the settled runs' partitions, where now committable, to the committer. */
  private settle(runs: readonly SettlingRun[]): void {
    const offsets: PartitionOffset[] = [];
    for (const run of runs) {
      const offset = this.settling.settle(run);
      if (offset) offsets.push(offset);
    }
    if (offsets.length > 0) this.commits.commit(offsets);
  }

  /**
   * Commits the runs once the deferred work resolves, or has their records read again if it rejects. Returns when
   * at most `maxDeferred` pieces of deferred work are left waiting, so a slow store holds the consumer back
   * instead of piling up; when stopping, once none is (work deferred just before stop() was called: kafkajs
   * leaves the group once this batch returns).
   */
  private async settleLater(
    work: Promise<unknown>,
    runs: SettlingRun[],
    positions: readonly Position[],
  ): Promise<void> {
    const settled = work.then(
      () => this.settle(runs),
      (err: unknown) => this.readAgain(runs, positions, err),
    );
    this.deferred.add(settled);
    void settled.finally(() => this.deferred.delete(settled));
    const limit = this.stopping ? 0 : this.maxDeferred;
    while (this.deferred.size > limit) await Promise.race(this.deferred);
  }

  /**
   * Deferred work failed: nothing of its runs, or of their partitions' later runs, is committed, and kafkajs reads
   * each partition again from the chunk's first record (seek, which with autoCommit off only moves the position).
   * The chunk's records are then handled without deferral (replayUntil).
   */
  private readAgain(runs: readonly SettlingRun[], positions: readonly Position[], err: unknown): void {
    this.opts.logger.warn(
      { stage: this.opts.stage, partitions: runs.length, error: errorName(err) },
      'deferred work failed; reading its records again',
    );
    runs.forEach((run, i) => {
      if (run.dropped) return; // An earlier run of the partition failed: its seek reads this one again too.
      this.settling.drop(run);
      const p = positions[i];
      if (!p || this.stopping) return; // Stopping: the next start reads from the committed offset.
      this.replayUntil.set(keyOf(p), BigInt(p.lastOffset));
      try {
        this.consumer.seek({ topic: p.topic, partition: p.partition, offset: p.firstOffset });
      } catch (e) {
        // Only when the consumer is not running: it then starts again from the committed offset.
        this.opts.logger.warn({ stage: this.opts.stage, error: errorName(e) }, 'seek failed');
      }
    });
  }

  /**
   * Runs a batch handler over records, each with its own span (one trace per alert survives batching).
   * A batch that fails as a whole is retried with backoff; when it keeps failing, every record is handled on
   * its own, so one bad record costs its batch speed, never its neighbours' outcomes. Returns the outcome
   * messages and the work the successful attempt deferred, if `mayDefer` let it.
   */
  private async processRecords(
    records: InboundRecord[],
    handle: BatchHandler,
    heartbeat: () => Promise<void>,
    mayDefer: boolean,
  ): Promise<{ out: OutboundMessage[]; deferred?: Promise<unknown> }> {
    const parents = records.map((r) => extractTraceContext(r.headers));
    const spans = records.map((r, i) => {
      const span = this.startSpan(r, 1, parents[i] as Context);
      r.span = span;
      return span;
    });
    let outcomes: RecordOutcome[] | undefined;
    let deferred: Promise<unknown>[] = [];
    let attemptsLeft = this.opts.maxAttempts;
    for (let attempt = 1; attempt <= this.opts.maxAttempts; attempt++) {
      attemptsLeft--;
      const works: Promise<unknown>[] = [];
      try {
        outcomes = await handle(records, {
          defer: (work) => {
            if (!mayDefer || this.stopping) return false;
            works.push(observedLater(work));
            return true;
          },
        });
        if (outcomes.length !== records.length) {
          throw new Error(`batch handler returned ${outcomes.length} outcomes for ${records.length} records`);
        }
        deferred = works;
        break;
      } catch (e) {
        outcomes = undefined;
        if (e instanceof PoisonRecordError || e instanceof ContractViolation) break;
        this.opts.logger.warn(
          {
            stage: this.opts.stage,
            topic: records[0]?.topic,
            records: records.length,
            attempt,
            error: errorName(e),
          },
          'batch failed; retrying',
        );
        await heartbeat();
        if (attempt < this.opts.maxAttempts) await delay(this.retryDelay(attempt));
      }
    }

    const single: RecordHandler = async (record) => {
      const [outcome] = await handle([record], NO_DEFERRAL);
      if (outcome instanceof Error) throw outcome;
      return outcome ?? [];
    };
    const out: OutboundMessage[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as InboundRecord;
      const span = spans[i] as Span;
      const ctx = withCorrelationId(trace.setSpan(parents[i] as Context, span), correlationOf(record));
      const outcome = outcomes?.[i];
      delete record.span;
      if (outcome === undefined || (outcome instanceof Error && !isPoison(outcome))) {
        // The whole batch failed, or this record met a transient error: it gets the single-record path,
        // with the retries the batch left it and, in the end, its own rejection.
        span.setAttribute('kyoyu.batch.fallback', true);
        span.end();
        const attempts = outcome === undefined ? Math.max(1, attemptsLeft) : this.opts.maxAttempts;
        for (const m of await this.processRecord(record, single, heartbeat, attempts)) out.push(m);
      } else if (outcome instanceof Error) {
        out.push(this.reject(record, span, ctx, outcome, 1));
      } else {
        span.end();
        this.opts.onRecord?.('handled', record);
        context.with(ctx, () => {
          for (const m of outcome) this.decorate(m, record);
        });
        for (const m of outcome) out.push(m);
      }
    }
    return { out, ...(deferred.length > 0 ? { deferred: observedLater(Promise.all(deferred)) } : {}) };
  }

  private async processRecord(
    record: InboundRecord,
    handle: RecordHandler,
    heartbeat: () => Promise<void>,
    maxAttempts = this.opts.maxAttempts,
  ): Promise<OutboundMessage[]> {
    const parent = extractTraceContext(record.headers);
    for (let attempt = 1; ; attempt++) {
      const span = this.startSpan(record, attempt, parent);
      const ctx = withCorrelationId(trace.setSpan(parent, span), correlationOf(record));
      try {
        const out = await context.with(ctx, () => handle(record));
        // Inside the record's context: the outgoing traceparent must name this span as the parent.
        context.with(ctx, () => {
          for (const m of out) this.decorate(m, record);
        });
        span.end();
        this.opts.onRecord?.('handled', record);
        return out;
      } catch (e) {
        if (isPoison(e) || attempt >= maxAttempts) {
          return [this.reject(record, span, ctx, e, attempt)];
        }
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(e) });
        span.end();
        this.opts.onRecord?.('retried', record);
        this.opts.logger.warn(
          {
            stage: this.opts.stage,
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            attempt,
            error: errorName(e),
          },
          'transient failure; retrying',
        );
        await heartbeat();
        await delay(this.retryDelay(attempt));
      }
    }
  }

  private startSpan(record: InboundRecord, attempt: number, parent: Context): Span {
    return tracer.startSpan(
      `${this.opts.stage} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': record.topic,
          'messaging.kafka.partition': record.partition,
          'messaging.kafka.offset': record.offset,
          'kyoyu.stage': this.opts.stage,
          'kyoyu.attempt': attempt,
        },
      },
      parent,
    );
  }

  /** The rejection for a record that is bad (poison) or kept failing; ends its span. */
  private reject(
    record: InboundRecord,
    span: Span,
    ctx: Context,
    e: unknown,
    attempts: number,
  ): OutboundMessage {
    const reason: RejectReason =
      e instanceof PoisonRecordError ? e.reason : isPoison(e) ? 'INVALID_EVENT' : 'RETRIES_EXHAUSTED';
    const detail =
      e instanceof PoisonRecordError
        ? e.detail
        : isPoison(e)
          ? (e as Error).message
          : `gave up after ${attempts} attempts (${errorName(e)})`;
    span.setAttribute('kyoyu.outcome', 'rejected');
    span.setAttribute('kyoyu.reason', reason);
    span.end();
    this.opts.onRecord?.('rejected', record, reason);
    return context.with(ctx, () => this.rejection(record, reason, detail));
  }

  /** Doubling, capped at 5 s: the default 10 attempts ride out ~25 s of database or broker outage. */
  private retryDelay(attempt: number): number {
    return Math.min(5000, (this.opts.retryBaseDelayMs ?? 100) * 2 ** (attempt - 1));
  }

  private decorate(m: OutboundMessage, record: InboundRecord): void {
    const headers = (m.headers ??= {});
    const correlation = record.headers[Headers.CorrelationId];
    if (correlation && !headers[Headers.CorrelationId]) headers[Headers.CorrelationId] = correlation;
    if (!headers[Headers.Traceparent]) injectTraceContext(headers);
  }

  private rejection(record: InboundRecord, reason: RejectReason, detail: string): OutboundMessage {
    const bytes = record.value ?? Buffer.alloc(0);
    const limit = this.opts.maxRejectedOriginalBytes ?? 64 * 1024;
    const id = deterministicId('rejection', record.topic, String(record.partition), record.offset);
    const sourceOrg = record.headers[Headers.SourceOrg];
    const value = encodeEvent(Topics.AlertsRejected, {
      id,
      type: 'AlertRejected',
      schemaVersion: 1,
      correlationId: record.headers[Headers.CorrelationId] ?? id,
      source: { topic: record.topic, partition: record.partition, offset: record.offset },
      occurredAt: new Date().toISOString(),
      data: {
        reason,
        stage: this.opts.stage,
        detail,
        origin: { topic: record.topic, partition: record.partition, offset: record.offset },
        ...(sourceOrg ? { sourceOrg } : {}),
        original: {
          ...(bytes.length <= limit ? { base64: bytes.toString('base64') } : {}),
          sha256: sha256Hex(bytes),
          size: bytes.length,
        },
        rejectedAt: new Date().toISOString(),
      },
    });
    const headers: Record<string, string> = { [Headers.EventType]: 'AlertRejected' };
    injectTraceContext(headers);
    return { topic: Topics.AlertsRejected, key: record.key?.toString('utf8') ?? null, value, headers };
  }
}

function keyOf(p: { topic: string; partition: number }): string {
  return `${p.partition}\u0000${p.topic}`;
}

/** Offsets as kafkajs' group commit takes them: per topic, the partitions' next offsets to read. */
function byTopic(
  offsets: readonly PartitionOffset[],
): Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> {
  const topics = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const { topic, partition, offset } of offsets) {
    let list = topics.get(topic);
    if (!list) topics.set(topic, (list = []));
    list.push({ partition, offset });
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

/**
 * Deferred work is observed once its batch is published (settleLater), or never when the publish fails or the
 * attempt is retried (the records are read or handled again). A rejection before then, with no handler yet,
 * would count as unhandled and end the process.
 */
function observedLater<T>(work: Promise<T>): Promise<T> {
  work.catch(() => undefined);
  return work;
}

function correlationOf(record: InboundRecord): string | undefined {
  return record.headers[Headers.CorrelationId];
}

/** A record that can never succeed: retrying it would only stall its partition. */
function isPoison(e: unknown): boolean {
  return e instanceof PoisonRecordError || e instanceof ContractViolation;
}

/** Error class and code only: messages of driver errors can quote values, which may be victim data. */
export function errorName(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' || typeof code === 'number' ? `${e.name}/${code}` : e.name;
  }
  return typeof e;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

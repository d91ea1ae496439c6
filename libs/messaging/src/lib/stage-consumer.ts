import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
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
import { PoisonRecordError } from './errors';
import type { KafkaPublisher } from './publisher';
import { toInboundRecord, type InboundRecord, type OutboundMessage } from './records';
import { extractTraceContext, injectTraceContext } from './trace-context';

/** What a stage does with one record: the messages that are its outcome (may be none). */
export type RecordHandler = (record: InboundRecord) => Promise<OutboundMessage[]>;

export interface StageConsumerOptions {
  stage: Stage;
  groupId: string;
  topics: string[];
  handler: RecordHandler;
  publisher: KafkaPublisher;
  logger: Logger;
  /** Attempts for transient failures before the record is rejected with RETRIES_EXHAUSTED. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt. */
  retryBaseDelayMs?: number;
  /** Publish and commit after this many outcome messages even inside a batch. */
  flushEvery?: number;
  /** Originals up to this size travel base64 in the rejection; larger ones as a hash only. */
  maxRejectedOriginalBytes?: number;
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

/**
 * Consumes a stage's topics with at-least-once semantics and never stalls a partition:
 * - a bad record (PoisonRecordError, ContractViolation) goes to `alerts.rejected.v1` with its reason at once;
 * - any other failure is retried with backoff, and after `maxAttempts` rejected with RETRIES_EXHAUSTED;
 * - offsets are committed only after the outcome messages are acknowledged by the broker;
 * - stop() lets the in-flight batch finish, publishes, commits and leaves the group.
 * Downstream consumers deduplicate by deterministic event id, so a replay after a crash is harmless.
 */
export class StageConsumer {
  private readonly consumer: Consumer;
  private joined = false;
  private crashed = false;

  constructor(
    kafka: Kafka,
    private readonly opts: StageConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeout ?? 6000,
      rebalanceTimeout: Math.max(opts.sessionTimeout ?? 6000, 10000),
      heartbeatInterval: opts.heartbeatInterval ?? 500,
      maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 100,
      allowAutoTopicCreation: true,
    });
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, () => {
      this.joined = true;
      this.crashed = false;
    });
    this.consumer.on(CRASH, (e) => {
      this.crashed = true;
      opts.logger.error({ stage: opts.stage, error: e.payload.error.name }, 'consumer crashed');
    });
    this.consumer.on(STOP, () => (this.joined = false));
    this.consumer.on(DISCONNECT, () => (this.joined = false));
  }

  /** True once the consumer is in its group and has not crashed. */
  get isReady(): boolean {
    return this.joined && !this.crashed;
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
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.processBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
    await this.consumer.disconnect();
  }

  private async processBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const flushEvery = this.opts.flushEvery ?? 500;
    let pending: OutboundMessage[] = [];
    let lastOffset: string | undefined;

    const flush = async () => {
      if (lastOffset === undefined) return;
      await this.opts.publisher.publish(pending);
      pending = [];
      resolveOffset(lastOffset);
      await this.consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() },
      ]);
      lastOffset = undefined;
      await heartbeat();
    };

    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const record = toInboundRecord(batch.topic, batch.partition, message);
      const outcome = await this.processRecord(record, heartbeat);
      for (const m of outcome) pending.push(m);
      lastOffset = message.offset;
      if (pending.length >= flushEvery) await flush();
    }
    await flush();
  }

  private async processRecord(
    record: InboundRecord,
    heartbeat: () => Promise<void>,
  ): Promise<OutboundMessage[]> {
    const parent = extractTraceContext(record.headers);
    const maxAttempts = this.opts.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      const span = tracer.startSpan(
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
      const ctx = trace.setSpan(parent, span);
      try {
        const out = await context.with(ctx, () => this.opts.handler(record));
        for (const m of out) this.decorate(m, record);
        span.end();
        this.opts.onRecord?.('handled', record);
        return out;
      } catch (e) {
        const poison = e instanceof PoisonRecordError || e instanceof ContractViolation;
        const exhausted = !poison && attempt >= maxAttempts;
        if (poison || exhausted) {
          const reason: RejectReason =
            e instanceof PoisonRecordError ? e.reason : poison ? 'INVALID_EVENT' : 'RETRIES_EXHAUSTED';
          const detail =
            e instanceof PoisonRecordError
              ? e.detail
              : poison
                ? (e as Error).message
                : `gave up after ${attempt} attempts (${errorName(e)})`;
          span.setAttribute('kyoyu.outcome', 'rejected');
          span.setAttribute('kyoyu.reason', reason);
          span.end();
          this.opts.onRecord?.('rejected', record, reason);
          return [context.with(ctx, () => this.rejection(record, reason, detail))];
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
        await delay((this.opts.retryBaseDelayMs ?? 100) * 2 ** (attempt - 1));
      }
    }
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

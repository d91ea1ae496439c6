import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import {
  EventPattern,
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
} from '@nestjs/microservices';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import type { Stage } from '@kyoyu/contracts';
import {
  StageConsumer,
  type BatchContext,
  type InboundRecord,
  type KafkaPublisher,
  type OutboundMessage,
  type RecordOutcome,
  type StageConsumerOptions,
  type TopicHandler,
} from '@kyoyu/messaging';

export interface KafkaStageServerOptions extends Omit<
  StageConsumerOptions,
  'topics' | 'handlerFor' | 'publisher' | 'logger' | 'stage'
> {
  stage: Stage;
  /**
   * More topics served by an existing handler: topic → the pattern (topic) of the handler to use. Lets one
   * `@EventPattern` serve topics known only from configuration (one raw topic per customer principal).
   */
  topicRoutes?: Record<string, string>;
}

/**
 * Marks a handler that takes a whole batch: `(records: InboundRecord[], batch: BatchContext) =>
 * Promise<RecordOutcome[]>`, one outcome per record, aligned by index (an Error element is that record's
 * failure). For stages whose work per record is a database round trip that one statement per batch can
 * replace. `batch.defer` lets the batch's last work finish after the handler returns (see BatchContext); the
 * handler asks for it with `@Ctx()` beside `@Payload()`, since Nest otherwise hands it the payload alone.
 */
export function BatchEventPattern(topic: string): MethodDecorator {
  return EventPattern(topic, { batch: true });
}

/**
 * A NestJS microservice transport for kyoyu's stages. Handlers are ordinary `@EventPattern(topic)`
 * methods that receive an InboundRecord and return the OutboundMessages that are its outcome;
 * StageConsumer does the rest (batching, commit after publish, rejections, bounded retries).
 * Unlike Nest's built-in Kafka transport, a failing handler never re-delivers one record forever
 * (nestjs/nest#14664).
 */
export class KafkaStageServer extends Server implements CustomTransportStrategy {
  private consumer?: StageConsumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly publisher: KafkaPublisher,
    private readonly log: Logger,
    private readonly options: KafkaStageServerOptions,
  ) {
    super();
  }

  get isReady(): boolean {
    return this.consumer?.isReady ?? false;
  }

  listen(callback: (err?: unknown) => void): void {
    const routes = new Map<string, string>([...this.messageHandlers.keys()].map((t) => [t, t]));
    for (const [topic, pattern] of Object.entries(this.options.topicRoutes ?? {})) {
      if (!this.messageHandlers.has(pattern)) {
        callback(new Error(`no handler for ${pattern} (routed from ${topic})`));
        return;
      }
      routes.set(topic, pattern);
    }
    // One TopicHandler per pattern: topics routed to the same pattern share it, so their batches can be
    // handled together (StageConsumer merges waiting batches with the same handler).
    const handlers = new Map<string, TopicHandler>();
    for (const [pattern, handler] of this.messageHandlers) handlers.set(pattern, this.topicHandler(handler));
    this.consumer = new StageConsumer(this.kafka, {
      ...this.options,
      topics: [...routes.keys()],
      publisher: this.publisher,
      logger: this.log,
      handlerFor: (topic) => {
        const pattern = routes.get(topic);
        return pattern === undefined ? undefined : handlers.get(pattern);
      },
    });
    this.consumer.start().then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
  }

  on(): void {
    // Status events are surfaced through isReady and the health endpoint instead.
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private topicHandler(handler: MessageHandler): TopicHandler {
    if ((handler.extras as { batch?: boolean } | undefined)?.batch) {
      return {
        batch: true,
        handle: async (records: InboundRecord[], batch: BatchContext) =>
          (await this.invoke<RecordOutcome[]>(handler, records, batch)) ?? [],
      };
    }
    return {
      batch: false,
      handle: async (record: InboundRecord) => (await this.invoke<OutboundMessage[]>(handler, record)) ?? [],
    };
  }

  private async invoke<T>(handler: MessageHandler, payload: unknown, ctx?: unknown): Promise<T | undefined> {
    const result = this.transformToObservable(await handler(payload, ctx)) as Observable<T | undefined>;
    return lastValueFrom(result, { defaultValue: undefined });
  }
}

/**
 * Nest's default RPC filter turns every error into a generic object and logs its message (which can quote
 * alert content). Re-throwing the original keeps PoisonRecordError and transient errors distinguishable.
 */
@Catch()
export class PassThroughRpcFilter implements RpcExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

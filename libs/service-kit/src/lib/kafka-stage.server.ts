import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import type { Stage } from '@kyoyu/contracts';
import {
  StageConsumer,
  type InboundRecord,
  type KafkaPublisher,
  type OutboundMessage,
  type StageConsumerOptions,
} from '@kyoyu/messaging';

export interface KafkaStageServerOptions extends Omit<
  StageConsumerOptions,
  'topics' | 'handler' | 'publisher' | 'logger' | 'stage'
> {
  stage: Stage;
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
    const topics = [...this.messageHandlers.keys()];
    this.consumer = new StageConsumer(this.kafka, {
      ...this.options,
      topics,
      publisher: this.publisher,
      logger: this.log,
      handler: (record) => this.dispatch(record),
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

  private async dispatch(record: InboundRecord): Promise<OutboundMessage[]> {
    const handler = this.messageHandlers.get(record.topic);
    if (!handler) return [];
    const result = this.transformToObservable(await handler(record)) as Observable<
      OutboundMessage[] | undefined
    >;
    return (await lastValueFrom(result, { defaultValue: [] })) ?? [];
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

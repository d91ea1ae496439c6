import { Injectable } from '@nestjs/common';
import { KafkaDispatcher, type StoredRelease } from './kafka-dispatcher';
import { TaxiiAppender } from './taxii-appender';

/** What the store reports it queued: the subscribers with new Kafka rows, whether TAXII rows were queued. */
export interface QueuedDeliveries {
  kafkaSubscribers: string[];
  /** Releases just stored, whose bundles the Kafka dispatcher keeps instead of reading them back. */
  stored?: readonly StoredRelease[];
  taxiiQueued: boolean;
}

/** Wakes each delivery channel that has new rows queued, right after the store committed them. */
@Injectable()
export class DeliveryChannels {
  constructor(
    private readonly kafka: KafkaDispatcher,
    private readonly taxii: TaxiiAppender,
  ) {}

  queued(q: QueuedDeliveries): void {
    this.kafka.kick(q.kafkaSubscribers, q.stored);
    if (q.taxiiQueued) this.taxii.kick();
  }
}

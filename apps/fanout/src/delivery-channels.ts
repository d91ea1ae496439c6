import { Injectable } from '@nestjs/common';
import { KafkaDispatcher, type StoredRelease } from './kafka-dispatcher';
import type { ReleaseToStore } from './release-store';
import { TaxiiAppender } from './taxii-appender';

/** What the store reports it queued: the subscribers with new Kafka rows, whether TAXII rows were queued. */
export interface QueuedDeliveries {
  kafkaSubscribers: string[];
  /** Releases just stored, whose bundles the Kafka dispatcher keeps instead of reading them back. */
  stored?: readonly StoredRelease[];
  taxiiQueued: boolean;
}

/**
 * Hands releases to the delivery channels: Kafka subscribers that can take a release get it before it is
 * stored; every channel with rows queued is woken right after the store committed them.
 */
@Injectable()
export class DeliveryChannels {
  constructor(
    private readonly kafka: KafkaDispatcher,
    private readonly taxii: TaxiiAppender,
  ) {}

  /**
   * Publishes releases about to be stored to the Kafka subscribers that can take them now (see
   * KafkaDispatcher.deliverFresh); returns them with those deliveries, for the store to record.
   */
  async deliverFresh(items: readonly ReleaseToStore[]): Promise<ReleaseToStore[]> {
    const delivered = await this.kafka.deliverFresh(
      items.map((it) => ({
        eventId: it.release.event.eventId,
        bundle: it.bundle,
        releasedAt: it.release.releasedAt,
        ...(it.traceContext ? { traceContext: it.traceContext } : {}),
        subscriberIds: it.routes.filter((r) => r.channel === 'kafka').map((r) => r.subscriberId),
      })),
    );
    return items.map((it) => {
      const d = delivered.get(it.release.event.eventId);
      return d ? { ...it, delivered: d } : it;
    });
  }

  queued(q: QueuedDeliveries): void {
    this.kafka.kick(q.kafkaSubscribers, q.stored);
    if (q.taxiiQueued) this.taxii.kick();
  }
}

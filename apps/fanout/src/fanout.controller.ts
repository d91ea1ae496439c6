import { Controller, Inject, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { trace } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import { Topics, decodeEvent, sha256Hex, shareTopic } from '@kyoyu/contracts';
import { KafkaPublisher, type InboundRecord, type OutboundMessage } from '@kyoyu/messaging';
import { SubscriberDirectory } from '@kyoyu/persistence';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import { renderBundle } from '@kyoyu/stix';
import type { FanoutConfig } from './config';
import { entitled } from './routing';

const CHANNEL = 'kafka';

/**
 * events.released.v1 → a STIX 2.1 bundle on `share.<subscriber>.v1` for every entitled subscriber.
 * Publishes before recording the delivery: a crash in between re-delivers the identical bundle
 * (same STIX ids) rather than losing it.
 */
@Controller()
export class FanoutController implements OnModuleInit, OnModuleDestroy {
  private readonly subscribers: SubscriberDirectory;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: FanoutConfig,
    private readonly publisher: KafkaPublisher,
    private readonly dataSource: DataSource,
  ) {
    this.subscribers = new SubscriberDirectory(dataSource);
  }

  async onModuleInit(): Promise<void> {
    await this.subscribers.start();
  }

  onModuleDestroy(): void {
    this.subscribers.stop();
  }

  @EventPattern(Topics.EventsReleased)
  async fanOut(@Payload() record: InboundRecord): Promise<OutboundMessage[]> {
    const { data } = decodeEvent(Topics.EventsReleased, record.value);
    const event = data.event;
    const targets = this.subscribers.active().filter((s) => entitled(event, s));
    if (targets.length === 0) {
      trace.getActiveSpan()?.setAttributes({ 'kyoyu.outcome': 'no-subscriber' });
      return [];
    }
    const already = new Set(
      (
        (await this.dataSource.query(
          `SELECT subscriber_id FROM deliveries WHERE event_id = $1 AND channel = $2`,
          [event.eventId, CHANNEL],
        )) as Array<{ subscriber_id: string }>
      ).map((r) => r.subscriber_id),
    );
    const pending = targets.filter((s) => !already.has(s.id));
    if (pending.length === 0) return [];

    // Subscribers get the bundle only: no pipeline headers (trace context, correlation id) leave kyoyu.
    const body = Buffer.from(JSON.stringify(renderBundle(event, { name: this.config.PRODUCER_NAME })));
    const hash = sha256Hex(body);
    await this.publisher.publish(
      pending.map((s) => ({
        topic: shareTopic(s.id),
        key: event.eventId,
        value: body,
        headers: { 'content-type': 'application/stix+json;version=2.1' },
      })),
    );
    const now = new Date();
    await this.dataSource.query(
      `INSERT INTO deliveries (event_id, subscriber_id, channel, content_hash, delivered_at)
       SELECT $1, unnest($2::text[]), $3, $4, $5 ON CONFLICT DO NOTHING`,
      [event.eventId, pending.map((s) => s.id), CHANNEL, hash, now],
    );
    trace
      .getActiveSpan()
      ?.setAttributes({ 'kyoyu.outcome': 'delivered', 'kyoyu.deliveries': pending.length });
    return [];
  }
}

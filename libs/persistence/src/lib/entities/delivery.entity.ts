import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Who received what: one row per event, subscriber and channel. Also fan-out's idempotency key. */
@Entity({ name: 'deliveries' })
export class DeliveryEntity {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  @PrimaryColumn({ name: 'subscriber_id', type: 'text' })
  subscriberId!: string;

  @PrimaryColumn({ type: 'text' })
  channel!: string;

  @Column({ name: 'content_hash', type: 'text' })
  contentHash!: string;

  @Column({ name: 'delivered_at', type: 'timestamptz' })
  deliveredAt!: Date;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Who received what: one row per event, subscriber, channel and version (1 = release, 2 = revocation).
 * Kafka rows are written pending (`deliveredAt` null) and published in `seq` order per subscriber; TAXII
 * rows are delivered when the objects enter the subscriber's collection.
 */
@Entity({ name: 'deliveries' })
export class DeliveryEntity {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  @PrimaryColumn({ name: 'subscriber_id', type: 'text' })
  subscriberId!: string;

  @PrimaryColumn({ type: 'text' })
  channel!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'bigint', generated: 'increment' })
  seq!: string;

  /** sha256 of the exact bytes delivered. */
  @Column({ name: 'content_hash', type: 'text' })
  contentHash!: string;

  @Column({ name: 'queued_at', type: 'timestamptz' })
  queuedAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ type: 'integer' })
  attempts!: number;

  /** Stable error code of the last failed attempt (never message text). */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}

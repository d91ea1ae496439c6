import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Every event fan-out consumed, with the bundle it rendered: the proof of each event's outcome. */
@Entity({ name: 'released_events' })
export class ReleasedEventEntity {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  /** The sanitized event (victim-free by contract). */
  @Column({ type: 'jsonb' })
  event!: Record<string, unknown>;

  @Column({ type: 'text' })
  route!: string;

  @Column({ type: 'text' })
  tlp!: string;

  /** The exact STIX bundle bytes delivered (text, so the content hash stays verifiable). */
  @Column({ type: 'text' })
  bundle!: string;

  @Column({ name: 'content_hash', type: 'text' })
  contentHash!: string;

  @Column({ type: 'integer' })
  version!: number;

  /** (subscriber, channel) routes at release; 0 proves nobody was entitled. */
  @Column({ type: 'integer' })
  recipients!: number;

  @Column({ name: 'released_at', type: 'timestamptz' })
  releasedAt!: Date;

  @Column({ name: 'stored_at', type: 'timestamptz' })
  storedAt!: Date;

  @Column({ type: 'boolean' })
  revoked!: boolean;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoke_reason', type: 'text', nullable: true })
  revokeReason!: string | null;

  @Column({ name: 'revoked_by', type: 'text', nullable: true })
  revokedBy!: string | null;

  @Column({ name: 'revoked_bundle', type: 'text', nullable: true })
  revokedBundle!: string | null;

  @Column({ name: 'revoked_hash', type: 'text', nullable: true })
  revokedHash!: string | null;
}

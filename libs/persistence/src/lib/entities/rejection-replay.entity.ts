import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A rejected record re-sent to ingestion by an operator; the primary key makes the replay happen once. */
@Entity({ name: 'rejection_replays' })
export class RejectionReplayEntity {
  @PrimaryColumn({ name: 'rejection_id', type: 'text' })
  rejectionId!: string;

  /** topic/partition/offset of the rejected record. */
  @Column({ type: 'text' })
  origin!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'replayed_at', type: 'timestamptz' })
  replayedAt!: Date;

  /** The operator's OS user name (an operator, never a victim). */
  @Column({ name: 'replayed_by', type: 'text' })
  replayedBy!: string;
}

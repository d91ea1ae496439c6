import { Column, Entity, PrimaryColumn } from 'typeorm';

export type IngestOutcome = 'normalized' | 'duplicate' | 'rejected';

/** What ingestion did with one raw record (`topic/partition/offset`). */
@Entity({ name: 'ingest_outcomes' })
export class IngestOutcomeEntity {
  @PrimaryColumn({ type: 'text' })
  origin!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'integer' })
  partition!: number;

  @Column({ type: 'bigint' })
  offset!: string;

  @Column({ name: 'source_org', type: 'text', nullable: true })
  sourceOrg!: string | null;

  @Column({ name: 'alert_id', type: 'text', nullable: true })
  alertId!: string | null;

  @Column({ type: 'text' })
  outcome!: IngestOutcome;

  /** The rejection reason code, for rejected records. */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Ingestion's duplicate window: an alert id seen once is not emitted again. */
@Entity({ name: 'seen_alerts' })
export class SeenAlertEntity {
  @PrimaryColumn({ name: 'alert_id', type: 'text' })
  alertId!: string;

  @Column({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt!: Date;

  /** topic/partition/offset of the first sighting: a redelivery of that same record is not a duplicate. */
  @Column({ type: 'text' })
  origin!: string;
}

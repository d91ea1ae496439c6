import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One version of one STIX object in one subscriber's TAXII collection. `seq` orders pagination. */
@Entity({ name: 'taxii_objects' })
export class TaxiiObjectEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'increment' })
  seq!: string;

  /** The subscriber id. */
  @Column({ type: 'text' })
  collection!: string;

  @Column({ name: 'stix_id', type: 'text' })
  stixId!: string;

  @Column({ name: 'stix_type', type: 'text' })
  stixType!: string;

  /** `modified` (or `created` for unversioned objects), exactly as in the object. */
  @Column({ type: 'text' })
  version!: string;

  @Column({ name: 'version_ts', type: 'timestamptz' })
  versionTs!: Date;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'date_added', type: 'timestamptz' })
  dateAdded!: Date;

  @Column({ type: 'jsonb' })
  object!: Record<string, unknown>;
}

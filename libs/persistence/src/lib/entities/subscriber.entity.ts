import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A subscribing organisation and what it asked for. */
@Entity({ name: 'subscribers' })
export class SubscriberEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'jsonb' })
  sectors!: string[];

  /** Highest TLP it is cleared for. */
  @Column({ name: 'tlp_clearance', type: 'text' })
  tlpClearance!: string;

  @Column({ type: 'jsonb' })
  filters!: Record<string, unknown>;

  @Column({ type: 'boolean' })
  active!: boolean;

  /** `kafka` and/or `taxii`. */
  @Column({ type: 'jsonb' })
  channels!: string[];

  /** sha256 of the subscriber's TAXII API key; the key itself is never stored. */
  @Column({ name: 'taxii_api_key_hash', type: 'text', nullable: true })
  taxiiApiKeyHash!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CustomerRegistryEntry, SharingAgreement } from '@kyoyu/contracts';

/** A registered customer: its victim dictionary and its sharing agreement. */
@Entity({ name: 'customers' })
export class CustomerEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'jsonb' })
  profile!: CustomerRegistryEntry;

  @Column({ type: 'jsonb' })
  agreement!: SharingAgreement;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** Set by the operator: the customer's records are no longer accepted or shared. */
  @Column({ name: 'deactivated_at', type: 'timestamptz', nullable: true })
  deactivatedAt!: Date | null;
}

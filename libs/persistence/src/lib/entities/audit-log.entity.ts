import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One entry of the append-only, hash-chained audit log (see migration 1764000000000). */
@Entity({ name: 'audit_log' })
export class AuditLogEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'case_id', type: 'text', nullable: true })
  caseId!: string | null;

  @Column({ name: 'before_hash', type: 'text', nullable: true })
  beforeHash!: string | null;

  @Column({ name: 'after_hash', type: 'text', nullable: true })
  afterHash!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ type: 'text', unique: true })
  hash!: string;
}

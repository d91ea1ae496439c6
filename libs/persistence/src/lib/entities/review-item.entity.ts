import { Column, Entity, PrimaryColumn, VersionColumn } from 'typeorm';
import type { HoldReason, SanitizedEvent, Transformation } from '@kyoyu/contracts';

export type ReviewState = 'held' | 'awaiting-second-approval' | 'approved' | 'rejected' | 'expired';

/** A held draft waiting for a reviewer. One per case: a repeated review request finds the existing row. */
@Entity({ name: 'review_items' })
export class ReviewItemEntity {
  @PrimaryColumn({ name: 'case_id', type: 'text' })
  caseId!: string;

  @Column({ name: 'alert_id', type: 'text', unique: true })
  alertId!: string;

  @Column({ name: 'source_org', type: 'text' })
  sourceOrg!: string;

  @Column({ type: 'text' })
  state!: ReviewState;

  @Column({ type: 'jsonb' })
  draft!: SanitizedEvent;

  @Column({ type: 'jsonb' })
  reasons!: HoldReason[];

  @Column({ type: 'real' })
  risk!: number;

  @Column({ type: 'jsonb' })
  transformations!: Transformation[];

  @Column({ type: 'jsonb' })
  original!: { raw: string; contentType: 'json' | 'text' };

  @Column({ type: 'text' })
  tlp!: string;

  @Column({ type: 'timestamptz' })
  deadline!: Date;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  /** Needs two different reviewers' approvals (risk, TLP, or the customer's agreement). */
  @Column({ name: 'four_eyes', type: 'boolean', default: false })
  fourEyes!: boolean;

  @Column({ name: 'four_eyes_reasons', type: 'jsonb', default: () => "'[]'::jsonb" })
  fourEyesReasons!: string[];

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  approvals!: Array<{ reviewerId: string; at: string }>;

  @Column({ type: 'text', nullable: true })
  assignee!: string | null;

  @Column({ name: 'decision_reason', type: 'text', nullable: true })
  decisionReason!: string | null;

  /** The hold reasons' codes, indexed for filtering. */
  @Column({ name: 'reason_codes', type: 'text', array: true, default: () => "'{}'" })
  reasonCodes!: string[];

  @VersionColumn()
  version!: number;
}

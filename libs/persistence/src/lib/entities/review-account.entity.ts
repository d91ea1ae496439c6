import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ReviewRole = 'admin' | 'reviewer';

/** A person (or automation) using the review app. Reviewers see only the customers they are cleared for. */
@Entity({ name: 'review_accounts' })
export class ReviewAccountEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', unique: true })
  username!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  /** argon2id. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'text' })
  role!: ReviewRole;

  /** Customer ids this account may review. */
  @Column({ type: 'text', array: true })
  clearances!: string[];

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

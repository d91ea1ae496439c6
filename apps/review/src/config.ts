import { z } from 'zod';
import { BaseConfig, refineSasl } from '@kyoyu/config';

export const ReviewConfig = BaseConfig.extend({
  /**
   * Bearer token of the operator's automation: acts as an `admin` (accounts, customers, subscribers).
   * Reviewers get their own accounts and tokens through the admin API.
   */
  REVIEW_API_TOKEN: z.string().min(24, 'REVIEW_API_TOKEN must be at least 24 characters'),
  /** Hours a held item waits for a decision before it expires (never auto-released). */
  REVIEW_DEADLINE_HOURS: z.coerce.number().int().min(1).default(72),
  /** Items with a residual risk above this need two different reviewers' approvals. */
  REVIEW_FOUR_EYES_RISK: z.coerce.number().min(0).max(100).default(70),
  /** How often items past their deadline are expired. */
  REVIEW_EXPIRY_SWEEP_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  REVIEW_SESSION_HOURS: z.coerce.number().int().min(1).max(72).default(8),
  /** Failed logins per client address and per user name within the window before 429. */
  REVIEW_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  REVIEW_LOGIN_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(15 * 60_000),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(100),
}).superRefine(refineSasl);
export type ReviewConfig = z.infer<typeof ReviewConfig>;

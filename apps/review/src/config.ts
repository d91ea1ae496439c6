import { z } from 'zod';
import { BaseConfig, refineSasl } from '@kyoyu/config';

export const ReviewConfig = BaseConfig.extend({
  /** Bearer token for automation clients of the review API (the console's accounts come with issue 5). */
  REVIEW_API_TOKEN: z.string().min(24, 'REVIEW_API_TOKEN must be at least 24 characters'),
  /** Hours a held item waits for a decision before it expires (never auto-released). */
  REVIEW_DEADLINE_HOURS: z.coerce.number().int().min(1).default(72),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(100),
}).superRefine(refineSasl);
export type ReviewConfig = z.infer<typeof ReviewConfig>;

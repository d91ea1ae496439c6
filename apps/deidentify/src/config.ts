import { z } from 'zod';
import { BaseConfig, refineSasl } from '@kyoyu/config';

const keyRing = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected JSON {"<key-id>": "<base64 secret>"}' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .record(
        z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
        z
          .string()
          .transform((b64) => Buffer.from(b64, 'base64'))
          .refine((b) => b.length >= 32, 'each secret must be at least 32 bytes (base64)'),
      )
      .refine((r) => Object.keys(r).length > 0, 'at least one key'),
  );

export const DeidentifyConfig = BaseConfig.extend({
  /** Pseudonym keys by id (rotation keeps old ids readable); secrets, from the platform's secret store. */
  PSEUDONYM_KEYS: keyRing,
  PSEUDONYM_ACTIVE_KEY_ID: z.string(),
  TIME_GRANULARITY: z.enum(['hour', 'day']).default('hour'),
  K_ANONYMITY: z.coerce.number().int().min(1).default(3),
  RISK_THRESHOLD: z.coerce.number().min(0).max(100).default(50),
})
  .superRefine(refineSasl)
  .superRefine((cfg, ctx) => {
    if (!(cfg.PSEUDONYM_ACTIVE_KEY_ID in cfg.PSEUDONYM_KEYS)) {
      ctx.addIssue({
        code: 'custom',
        path: ['PSEUDONYM_ACTIVE_KEY_ID'],
        message: 'must name a key in PSEUDONYM_KEYS',
      });
    }
  });
export type DeidentifyConfig = z.infer<typeof DeidentifyConfig>;

import { z } from 'zod';
import { BaseConfig, bool, csv, refineSasl } from '@kyoyu/config';
import { PrincipalName } from '@kyoyu/contracts';

export const IngestionConfig = BaseConfig.extend({
  /** Development only: trust the `source-org` header. Production attributes records by Kafka principal. */
  ALLOW_SOURCE_ORG_HEADER: bool.default(false),
  /**
   * Kafka principals of customer SIEMs: ingestion consumes each one's `alerts.raw.<principal>.v1` and
   * attributes its records to the customer whose registry entry lists that principal.
   */
  SOURCE_PRINCIPALS: csv.pipe(z.array(PrincipalName)).default([]),
  MAX_RECORD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  MAX_JSON_DEPTH: z.coerce.number().int().min(4).max(1000).default(64),
  MAX_FIELDS: z.coerce.number().int().min(16).default(10_000),
  MAX_STRING_LENGTH: z.coerce
    .number()
    .int()
    .min(256)
    .default(256 * 1024),
  /** Duplicates (same alert id) inside this window are counted, not re-emitted. */
  DUPLICATE_WINDOW_HOURS: z.coerce.number().int().min(1).default(72),
  /** ATT&CK catalogue (enterprise-techniques.json); ids are flagged unknown without it. */
  ATTACK_TECHNIQUES_FILE: z.string().optional(),
  ATTACK_TACTICS_FILE: z.string().optional(),
}).superRefine(refineSasl);
export type IngestionConfig = z.infer<typeof IngestionConfig>;

import { z } from 'zod';

/** Comma-separated list, e.g. `KAFKA_BROKERS=a:9092,b:9092`. */
export const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0),
);

export const bool = z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1');

export const port = z.coerce.number().int().min(0).max(65535);

const hostPort = /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/;

/** Settings every kyoyu service shares. */
export const BaseConfig = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HTTP_PORT: port.default(3000),
  HTTP_HOST: z.string().default('127.0.0.1'),
  KAFKA_BROKERS: csv.pipe(
    z.array(z.string().regex(hostPort, 'expected host:port entries')).min(1, 'at least one broker'),
  ),
  KAFKA_CLIENT_ID: z.string().optional(),
  KAFKA_SSL: bool.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-256', 'scram-sha-512', 'plain']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'expected postgres://user:pass@host:port/db' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** Port of the Prometheus scrape endpoint (`GET /metrics`, bound to HTTP_HOST); unset: not served. */
  METRICS_PORT: port.optional(),
  /** Transient-failure retries per record before it is rejected with RETRIES_EXHAUSTED. */
  MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(10),
  /**
   * Partitions a stage works on at once. Above 1, one partition's database or broker round trip no longer
   * holds up the others' records; order within a partition is kept either way.
   */
  CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * How long the broker may hold a stage's fetch that finds no records; unset: the stage consumer's default
   * (STAGE_FETCH_MAX_WAIT_MS, which says why it is short). Longer means fewer idle fetches and slower commits
   * at low load.
   */
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(10_000).optional(),
});
export type BaseConfig = z.infer<typeof BaseConfig>;

/** SASL settings must come together. */
export function refineSasl<T extends BaseConfig>(cfg: T, ctx: z.RefinementCtx): void {
  if (cfg.KAFKA_SASL_MECHANISM && !(cfg.KAFKA_SASL_USERNAME && cfg.KAFKA_SASL_PASSWORD)) {
    ctx.addIssue({
      code: 'custom',
      path: ['KAFKA_SASL_USERNAME'],
      message: 'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM',
    });
  }
}

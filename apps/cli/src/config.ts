import { BaseConfig, loadConfig } from '@kyoyu/config';
import type { z } from 'zod';

/**
 * The operator command's settings: the same names as the services', each optional because a command
 * needs only the stores it touches (`customers import` needs DATABASE_URL, `rejections list` KAFKA_BROKERS).
 */
export const CliConfig = BaseConfig.pick({
  DATABASE_URL: true,
  KAFKA_BROKERS: true,
  KAFKA_CLIENT_ID: true,
  KAFKA_SSL: true,
  KAFKA_SASL_MECHANISM: true,
  KAFKA_SASL_USERNAME: true,
  KAFKA_SASL_PASSWORD: true,
}).partial({ DATABASE_URL: true, KAFKA_BROKERS: true });
export type CliConfig = z.infer<typeof CliConfig>;

export function loadCliConfig(env?: Record<string, string | undefined>): CliConfig {
  return loadConfig('kyoyu', CliConfig, env);
}

import { BaseConfig, loadConfig } from '@kyoyu/config';
import { z } from 'zod';

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
})
  .partial({ DATABASE_URL: true, KAFKA_BROKERS: true })
  .extend({
    /** Fan-out's HTTP address, for `kyoyu fanout …` (its operator endpoints), e.g. http://fanout:3000. */
    FANOUT_URL: z.string().url().optional(),
    /** Fan-out's FANOUT_ADMIN_TOKEN. */
    FANOUT_ADMIN_TOKEN: z.string().min(16).optional(),
  });
export type CliConfig = z.infer<typeof CliConfig>;

export function loadCliConfig(env?: Record<string, string | undefined>): CliConfig {
  return loadConfig('kyoyu', CliConfig, env);
}

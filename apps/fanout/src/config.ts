import { z } from 'zod';
import { BaseConfig, refineSasl } from '@kyoyu/config';

export const FanoutConfig = BaseConfig.extend({
  /** Named as the producer identity in every STIX bundle (the SOC operator, never a victim). */
  PRODUCER_NAME: z.string().min(1).default('kyoyu SOC operator'),
}).superRefine(refineSasl);
export type FanoutConfig = z.infer<typeof FanoutConfig>;

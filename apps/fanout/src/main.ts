import { ConsumerGroups } from '@kyoyu/contracts';
import { runStage } from '@kyoyu/service-kit';
import { FanoutConfig } from './config';
import { FanoutModule } from './fanout.module';

runStage({
  stage: 'fanout',
  config: FanoutConfig,
  groupId: ConsumerGroups.Fanout,
  module: (config, logger) => FanoutModule.register(config, logger),
  batchSize: (config) => config.STORE_BATCH,
});

import { ConsumerGroups } from '@kyoyu/contracts';
import { runStage } from '@kyoyu/service-kit';
import { DeidentifyConfig } from './config';
import { DeidentifyModule } from './deidentify.module';

runStage({
  stage: 'deidentify',
  config: DeidentifyConfig,
  groupId: ConsumerGroups.Deidentify,
  module: (config, logger) => DeidentifyModule.register(config, logger),
});

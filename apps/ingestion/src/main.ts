import { ConsumerGroups } from '@kyoyu/contracts';
import { runStage } from '@kyoyu/service-kit';
import { IngestionConfig } from './config';
import { IngestionModule } from './ingestion.module';

runStage({
  stage: 'ingestion',
  config: IngestionConfig,
  groupId: ConsumerGroups.Ingestion,
  module: (config, logger) => IngestionModule.register(config, logger),
});

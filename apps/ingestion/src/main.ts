import { ConsumerGroups, Topics, principalRawTopic } from '@kyoyu/contracts';
import { runStage } from '@kyoyu/service-kit';
import { IngestionConfig } from './config';
import { IngestionModule } from './ingestion.module';

runStage({
  stage: 'ingestion',
  config: IngestionConfig,
  groupId: ConsumerGroups.Ingestion,
  module: (config, logger) => IngestionModule.register(config, logger),
  topicRoutes: (config) =>
    Object.fromEntries(
      [Topics.AlertsReplay, ...config.SOURCE_PRINCIPALS.map(principalRawTopic)].map((t) => [
        t,
        Topics.AlertsRaw,
      ]),
    ),
});

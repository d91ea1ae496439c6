import { ConsumerGroups } from '@kyoyu/contracts';
import { runStage } from '@kyoyu/service-kit';
import { ReviewConfig } from './config';
import { ReviewModule } from './review.module';

runStage({
  stage: 'review',
  config: ReviewConfig,
  groupId: ConsumerGroups.Review,
  module: (config, logger) => ReviewModule.register(config, logger),
});

import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceKitModule } from '@kyoyu/service-kit';
import { ApiTokenGuard } from './api-token.guard';
import type { ReviewConfig } from './config';
import { OutboxRelay } from './outbox.relay';
import { ReviewItemsController } from './review-items.controller';
import { ReviewRequestsController } from './review-requests.controller';
import { ReviewRepository } from './review.repository';

@Module({})
export class ReviewModule {
  static register(config: ReviewConfig, logger: Logger): DynamicModule {
    return {
      module: ReviewModule,
      imports: [ServiceKitModule.forRoot({ service: 'review', config, logger })],
      controllers: [ReviewRequestsController, ReviewItemsController],
      providers: [ReviewRepository, OutboxRelay, ApiTokenGuard],
    };
  }
}

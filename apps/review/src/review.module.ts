import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import { ServiceKitModule } from '@kyoyu/service-kit';
import { AdminController } from './admin.controller';
import { AuditWriter } from './audit.writer';
import { AccountsRepository } from './auth/accounts.repository';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import type { ReviewConfig } from './config';
import { ConsoleController } from './console.controller';
import { CustomerRegistry } from './customer-registry';
import { ExpiryScheduler } from './expiry.scheduler';
import { ItemEvents } from './item-events';
import { OutboxRelay } from './outbox.relay';
import { ReviewItemsController } from './review-items.controller';
import { ReviewMetrics } from './review-metrics';
import { ReviewRequestsController } from './review-requests.controller';
import { ReviewRepository } from './review.repository';
import { SecurityHeadersMiddleware } from './security-headers.middleware';

@Module({})
export class ReviewModule implements NestModule {
  static register(config: ReviewConfig, logger: Logger): DynamicModule {
    return {
      module: ReviewModule,
      imports: [ServiceKitModule.forRoot({ service: 'review', config, logger })],
      controllers: [
        ReviewRequestsController,
        ReviewItemsController,
        AdminController,
        AuthController,
        ConsoleController,
      ],
      providers: [
        ReviewRepository,
        AuditWriter,
        AccountsRepository,
        CustomerRegistry,
        ItemEvents,
        ReviewMetrics,
        OutboxRelay,
        ExpiryScheduler,
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SecurityHeadersMiddleware).forRoutes('*');
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceKitModule } from '@kyoyu/service-kit';
import type { FanoutConfig } from './config';
import { FanoutController } from './fanout.controller';

@Module({})
export class FanoutModule {
  static register(config: FanoutConfig, logger: Logger): DynamicModule {
    return {
      module: FanoutModule,
      imports: [ServiceKitModule.forRoot({ service: 'fanout', config, logger })],
      controllers: [FanoutController],
    };
  }
}

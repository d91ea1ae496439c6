import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceKitModule } from '@kyoyu/service-kit';
import type { DeidentifyConfig } from './config';
import { DeidentifyController } from './deidentify.controller';

@Module({})
export class DeidentifyModule {
  static register(config: DeidentifyConfig, logger: Logger): DynamicModule {
    return {
      module: DeidentifyModule,
      imports: [ServiceKitModule.forRoot({ service: 'deidentify', config, logger })],
      controllers: [DeidentifyController],
    };
  }
}

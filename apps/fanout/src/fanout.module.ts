import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceKitModule } from '@kyoyu/service-kit';
import type { FanoutConfig } from './config';
import { DeliveryChannels } from './delivery-channels';
import { FanoutController } from './fanout.controller';
import { EmbargoReleaser } from './embargo-releaser';
import { KafkaDispatcher } from './kafka-dispatcher';
import { OperatorController } from './operator.controller';
import { ReleasePreparer } from './release-preparer';
import { RegistryGuard } from './registry-guard';
import { ReleaseStore } from './release-store';
import { BundleRenderer } from './render/bundle-renderer';
import { Subscribers } from './subscribers';
import { TaxiiAppender } from './taxii-appender';
import { TaxiiController } from './taxii/taxii.controller';
import { TaxiiStore } from './taxii/taxii.store';

@Module({})
export class FanoutModule {
  static register(config: FanoutConfig, logger: Logger): DynamicModule {
    return {
      module: FanoutModule,
      imports: [ServiceKitModule.forRoot({ service: 'fanout', config, logger })],
      controllers: [FanoutController, TaxiiController, OperatorController],
      providers: [
        Subscribers,
        RegistryGuard,
        BundleRenderer,
        ReleasePreparer,
        ReleaseStore,
        KafkaDispatcher,
        TaxiiStore,
        EmbargoReleaser,
        TaxiiAppender,
        DeliveryChannels,
      ],
    };
  }
}

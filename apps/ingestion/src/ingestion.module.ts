import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceKitModule } from '@kyoyu/service-kit';
import { loadAttackCatalogue } from './attack-catalogue';
import type { IngestionConfig } from './config';
import { IngestionController } from './ingestion.controller';
import { OutcomeLedger } from './outcome-ledger';
import { ATTACK_CATALOGUE } from './tokens';

@Module({})
export class IngestionModule {
  static register(config: IngestionConfig, logger: Logger): DynamicModule {
    return {
      module: IngestionModule,
      imports: [ServiceKitModule.forRoot({ service: 'ingestion', config, logger })],
      controllers: [IngestionController],
      providers: [OutcomeLedger, { provide: ATTACK_CATALOGUE, useValue: loadAttackCatalogue(config) }],
    };
  }
}

import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { BaseConfig } from '@kyoyu/config';
import { KafkaPublisher, createKafka } from '@kyoyu/messaging';
import { dataSourceOptions, migrate } from '@kyoyu/persistence';
import { HealthController } from './health.controller';
import { KafkaStatus } from './kafka-status';
import { KAFKA, LOGGER, SERVICE_CONFIG } from './tokens';

export interface ServiceKitOptions {
  service: string;
  config: BaseConfig;
  logger: Logger;
}

/** Connects the producer before any consumer starts; disconnects it after consumers have stopped. */
@Injectable()
class PublisherLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly status: KafkaStatus,
  ) {}
  async onModuleInit(): Promise<void> {
    await this.publisher.connect();
    this.status.attachProducer(() => this.publisher.isConnected);
  }
  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect();
  }
}

/** Brings the schema up to date before anything reads or writes. */
@Injectable()
class MigrationRunner implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}
  async onModuleInit(): Promise<void> {
    const applied = await migrate(this.dataSource);
    if (applied.length) this.logger.info({ applied }, 'database migrations applied');
  }
}

/** Config, logger, Kafka client and producer, PostgreSQL and health checks, the same in every service. */
@Global()
@Module({})
export class ServiceKitModule {
  static forRoot(opts: ServiceKitOptions): DynamicModule {
    const { config, logger, service } = opts;
    return {
      module: ServiceKitModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        TypeOrmModule.forRoot(dataSourceOptions(config.DATABASE_URL, `kyoyu-${service}`)),
      ],
      controllers: [HealthController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        {
          provide: KAFKA,
          useFactory: (): Kafka =>
            createKafka(
              {
                brokers: config.KAFKA_BROKERS,
                clientId: config.KAFKA_CLIENT_ID ?? `kyoyu-${service}`,
                ssl: config.KAFKA_SSL,
                ...(config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD
                  ? {
                      sasl: {
                        mechanism: config.KAFKA_SASL_MECHANISM,
                        username: config.KAFKA_SASL_USERNAME,
                        password: config.KAFKA_SASL_PASSWORD,
                      },
                    }
                  : {}),
              },
              logger,
            ),
        },
        { provide: KafkaPublisher, useFactory: (kafka: Kafka) => new KafkaPublisher(kafka), inject: [KAFKA] },
        KafkaStatus,
        PublisherLifecycle,
        MigrationRunner,
      ],
      exports: [SERVICE_CONFIG, LOGGER, KAFKA, KafkaPublisher, KafkaStatus],
    };
  }
}

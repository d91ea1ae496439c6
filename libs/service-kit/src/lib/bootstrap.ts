import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { loadConfig, type BaseConfig } from '@kyoyu/config';
import type { Stage } from '@kyoyu/contracts';
import { KafkaPublisher } from '@kyoyu/messaging';
import { PinoNestLogger, createLogger, startTelemetry, type Telemetry } from '@kyoyu/telemetry';
import { KafkaStageServer, PassThroughRpcFilter } from './kafka-stage.server';
import { KafkaStatus } from './kafka-status';
import { KAFKA } from './tokens';

const TELEMETRY = Symbol('TELEMETRY');

/** Flushes and stops the OpenTelemetry SDK after everything else has shut down. */
@Injectable()
class TelemetryLifecycle implements OnApplicationShutdown {
  constructor(@Inject(TELEMETRY) private readonly telemetry: Telemetry) {}
  async onApplicationShutdown(): Promise<void> {
    await this.telemetry.shutdown();
  }
}

@Module({})
class StageRootModule {
  static wrap(stage: DynamicModule, telemetry: Telemetry): DynamicModule {
    return {
      module: StageRootModule,
      imports: [stage],
      providers: [{ provide: TELEMETRY, useValue: telemetry }, TelemetryLifecycle],
    };
  }
}

export interface StageDefinition<S extends z.ZodType<BaseConfig>> {
  stage: Stage;
  /** The stage's settings; validated before anything starts. */
  config: S;
  /** Its Kafka consumer group. */
  groupId: string;
  module: (config: z.infer<S>, logger: Logger) => DynamicModule;
  /** Topics known only from configuration, each served by the handler of an existing pattern. */
  topicRoutes?: (config: z.infer<S>) => Record<string, string>;
  /** Records a batch handler gets per call (and outcomes per flush); the consumer's default when absent. */
  batchSize?: (config: z.infer<S>) => number;
}

/**
 * Starts a kyoyu stage: validates its config (refusing to start with a clear message), starts
 * telemetry before anything else, then HTTP (health, APIs) and the Kafka stage transport.
 * On SIGTERM/SIGINT the consumer finishes its batch, commits and leaves the group before the
 * producer, the database pool and telemetry close.
 */
export function runStage<S extends z.ZodType<BaseConfig>>(def: StageDefinition<S>): void {
  start(def).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

async function start<S extends z.ZodType<BaseConfig>>(def: StageDefinition<S>) {
  const config = loadConfig(def.stage, def.config);
  const telemetry = startTelemetry({
    serviceName: `kyoyu-${def.stage}`,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    metricsPort: config.METRICS_PORT,
    metricsHost: config.HTTP_HOST,
  });
  const logger = createLogger(def.stage, config.LOG_LEVEL);
  const app = await NestFactory.create(StageRootModule.wrap(def.module(config, logger), telemetry), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  const server = new KafkaStageServer(app.get<Kafka>(KAFKA), app.get(KafkaPublisher), logger, {
    stage: def.stage,
    groupId: def.groupId,
    maxAttempts: config.MAX_ATTEMPTS,
    partitionsConsumedConcurrently: config.CONSUMER_CONCURRENCY,
    maxWaitTimeInMs: config.KAFKA_FETCH_MAX_WAIT_MS,
    ...(def.topicRoutes ? { topicRoutes: def.topicRoutes(config) } : {}),
    ...(def.batchSize ? { flushEvery: def.batchSize(config) } : {}),
  });
  app.get(KafkaStatus).attachConsumer(server);
  // Deferred, so the filter is registered before the microservice wires its handlers.
  const microservice = app.connectMicroservice({ strategy: server }, { deferInitialization: true });
  microservice.useGlobalFilters(new PassThroughRpcFilter());
  await app.init();
  await app.startAllMicroservices();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  const address = app.getHttpServer().address();
  logger.info(
    { port: typeof address === 'object' && address ? address.port : config.HTTP_PORT },
    'service started',
  );
  return app;
}

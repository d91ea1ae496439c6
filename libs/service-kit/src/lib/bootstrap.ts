import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { DynamicModule } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { BaseConfig } from '@kyoyu/config';
import { KafkaPublisher } from '@kyoyu/messaging';
import { PinoNestLogger, type Telemetry } from '@kyoyu/telemetry';
import { KafkaStageServer, PassThroughRpcFilter, type KafkaStageServerOptions } from './kafka-stage.server';
import { KafkaStatus } from './kafka-status';
import { KAFKA } from './tokens';

export interface RunServiceOptions {
  module: DynamicModule;
  config: BaseConfig;
  logger: Logger;
  telemetry?: Telemetry;
  /** For stages that consume: their group and consumer settings. */
  consumer?: KafkaStageServerOptions;
}

/**
 * Starts a kyoyu service: HTTP (health, APIs) plus, for consuming stages, the Kafka stage transport.
 * On SIGTERM/SIGINT the consumer finishes its batch, commits and leaves the group before the producer
 * and the database pool close.
 */
export async function runService(opts: RunServiceOptions) {
  const app = await NestFactory.create(opts.module, {
    logger: new PinoNestLogger(opts.logger),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  if (opts.consumer) {
    const server = new KafkaStageServer(
      app.get<Kafka>(KAFKA),
      app.get(KafkaPublisher),
      opts.logger,
      opts.consumer,
    );
    app.get(KafkaStatus).attachConsumer(server);
    // Deferred, so the filter is registered before the microservice wires its handlers.
    const microservice = app.connectMicroservice({ strategy: server }, { deferInitialization: true });
    microservice.useGlobalFilters(new PassThroughRpcFilter());
    await app.init();
    await app.startAllMicroservices();
  }
  await app.listen(opts.config.HTTP_PORT, opts.config.HTTP_HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : opts.config.HTTP_PORT;
  opts.logger.info({ port }, 'service started');
  if (opts.telemetry) {
    const telemetry = opts.telemetry;
    process.once('beforeExit', () => void telemetry.shutdown());
  }
  return app;
}

/** Prints a start-up failure (e.g. invalid config) without a stack full of framework frames, and exits 1. */
export function exitOnStartupError(logger: Pick<Logger, 'fatal'> | undefined, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  if (logger) logger.fatal({ error: err instanceof Error ? err.name : typeof err }, message);
  else process.stderr.write(`${message}\n`);
  process.exit(1);
}

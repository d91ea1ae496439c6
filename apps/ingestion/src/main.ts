import { loadConfig } from '@kyoyu/config';
import { ConsumerGroups } from '@kyoyu/contracts';
import { exitOnStartupError, runService } from '@kyoyu/service-kit';
import { createLogger, startTelemetry } from '@kyoyu/telemetry';
import { IngestionConfig } from './config';
import { IngestionModule } from './ingestion.module';

async function main() {
  const config = loadConfig('ingestion', IngestionConfig);
  const telemetry = startTelemetry({
    serviceName: 'kyoyu-ingestion',
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  const logger = createLogger('ingestion', config.LOG_LEVEL);
  await runService({
    module: IngestionModule.register(config, logger),
    config,
    logger,
    telemetry,
    consumer: { stage: 'ingestion', groupId: ConsumerGroups.Ingestion, maxAttempts: config.MAX_ATTEMPTS },
  });
}

main().catch((err: unknown) => exitOnStartupError(undefined, err));

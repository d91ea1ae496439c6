import { loadConfig } from '@kyoyu/config';
import { ConsumerGroups } from '@kyoyu/contracts';
import { exitOnStartupError, runService } from '@kyoyu/service-kit';
import { createLogger, startTelemetry } from '@kyoyu/telemetry';
import { ReviewConfig } from './config';
import { ReviewModule } from './review.module';

async function main() {
  const config = loadConfig('review', ReviewConfig);
  const telemetry = startTelemetry({
    serviceName: 'kyoyu-review',
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  const logger = createLogger('review', config.LOG_LEVEL);
  await runService({
    module: ReviewModule.register(config, logger),
    config,
    logger,
    telemetry,
    consumer: { stage: 'review', groupId: ConsumerGroups.Review, maxAttempts: config.MAX_ATTEMPTS },
  });
}

main().catch((err: unknown) => exitOnStartupError(undefined, err));

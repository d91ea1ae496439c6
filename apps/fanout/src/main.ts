import { loadConfig } from '@kyoyu/config';
import { ConsumerGroups } from '@kyoyu/contracts';
import { exitOnStartupError, runService } from '@kyoyu/service-kit';
import { createLogger, startTelemetry } from '@kyoyu/telemetry';
import { FanoutConfig } from './config';
import { FanoutModule } from './fanout.module';

async function main() {
  const config = loadConfig('fanout', FanoutConfig);
  const telemetry = startTelemetry({
    serviceName: 'kyoyu-fanout',
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  const logger = createLogger('fanout', config.LOG_LEVEL);
  await runService({
    module: FanoutModule.register(config, logger),
    config,
    logger,
    telemetry,
    consumer: { stage: 'fanout', groupId: ConsumerGroups.Fanout, maxAttempts: config.MAX_ATTEMPTS },
  });
}

main().catch((err: unknown) => exitOnStartupError(undefined, err));

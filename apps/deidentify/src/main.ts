import { loadConfig } from '@kyoyu/config';
import { ConsumerGroups } from '@kyoyu/contracts';
import { exitOnStartupError, runService } from '@kyoyu/service-kit';
import { createLogger, startTelemetry } from '@kyoyu/telemetry';
import { DeidentifyConfig } from './config';
import { DeidentifyModule } from './deidentify.module';

async function main() {
  const config = loadConfig('deidentify', DeidentifyConfig);
  const telemetry = startTelemetry({
    serviceName: 'kyoyu-deidentify',
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  const logger = createLogger('deidentify', config.LOG_LEVEL);
  await runService({
    module: DeidentifyModule.register(config, logger),
    config,
    logger,
    telemetry,
    consumer: { stage: 'deidentify', groupId: ConsumerGroups.Deidentify, maxAttempts: config.MAX_ATTEMPTS },
  });
}

main().catch((err: unknown) => exitOnStartupError(undefined, err));

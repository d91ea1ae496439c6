import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { KafkaStatus } from './kafka-status';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly kafka: KafkaStatus,
  ) {}

  /** The process is up (liveness: restart only when this fails). */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** PostgreSQL answers and the Kafka producer (and consumer group, for consuming stages) is connected. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 1500 }),
      () => this.kafkaCheck(),
    ]);
  }

  private kafkaCheck(): HealthIndicatorResult {
    const check = this.indicators.check('kafka');
    return this.kafka.ready
      ? check.up()
      : check.down({ reason: 'not connected or not in its consumer group' });
  }
}

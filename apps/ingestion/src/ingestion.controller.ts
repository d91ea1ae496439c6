import { Controller, Inject, type OnModuleInit, type OnModuleDestroy } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { trace } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { Headers, Topics, encodeEvent, deterministicId } from '@kyoyu/contracts';
import { normalizeRecord, type AttackCatalogue, type IngestionLimits } from '@kyoyu/ingestion-core';
import { PoisonRecordError, type InboundRecord, type OutboundMessage } from '@kyoyu/messaging';
import { CustomerDirectory } from '@kyoyu/persistence';
import { LOGGER, SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { IngestionConfig } from './config';
import { DuplicateWindow } from './duplicate-window';
import { ATTACK_CATALOGUE } from './tokens';

/** alerts.raw.v1 → one canonical alert on alerts.normalized.v1, or one rejection with a reason. */
@Controller()
export class IngestionController implements OnModuleInit, OnModuleDestroy {
  private readonly customers: CustomerDirectory;
  private readonly limits: IngestionLimits;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ATTACK_CATALOGUE) private readonly catalogue: AttackCatalogue | undefined,
    private readonly duplicateWindow: DuplicateWindow,
    dataSource: DataSource,
  ) {
    this.customers = new CustomerDirectory(dataSource);
    this.limits = {
      maxRecordBytes: config.MAX_RECORD_BYTES,
      maxDepth: config.MAX_JSON_DEPTH,
      maxFields: config.MAX_FIELDS,
      maxStringLength: config.MAX_STRING_LENGTH,
    };
  }

  async onModuleInit(): Promise<void> {
    await this.customers.start();
  }

  onModuleDestroy(): void {
    this.customers.stop();
  }

  @EventPattern(Topics.AlertsRaw)
  async ingest(@Payload() record: InboundRecord): Promise<OutboundMessage[]> {
    const span = trace.getActiveSpan();
    const sourceOrg = this.attribute(record);
    const outcome = normalizeRecord(
      {
        value: record.value ?? Buffer.alloc(0),
        formatHint: record.headers[Headers.AlertFormat],
        sourceOrg,
        receivedAt: new Date(),
      },
      { limits: this.limits, ...(this.catalogue ? { catalogue: this.catalogue } : {}) },
    );
    if (outcome.kind === 'rejected') throw new PoisonRecordError(outcome.reason, outcome.detail);

    const alert = outcome.alert;
    const origin = { topic: record.topic, partition: record.partition, offset: record.offset };
    if (!(await this.duplicateWindow.firstSighting(alert.id, origin, this.config.DUPLICATE_WINDOW_HOURS))) {
      span?.setAttribute('kyoyu.outcome', 'duplicate');
      this.logger.debug({ alertId: alert.id }, 'duplicate alert not re-emitted');
      return [];
    }
    span?.setAttributes({ 'kyoyu.outcome': 'normalized', 'kyoyu.format': alert.format });
    const correlationId = alert.id;
    return [
      {
        topic: Topics.AlertsNormalized,
        key: sourceOrg,
        value: encodeEvent(Topics.AlertsNormalized, {
          id: deterministicId('normalized', alert.id),
          type: 'AlertNormalized',
          schemaVersion: 1,
          correlationId,
          source: origin,
          occurredAt: new Date().toISOString(),
          data: alert,
        }),
        headers: { [Headers.EventType]: 'AlertNormalized', [Headers.CorrelationId]: correlationId },
      },
    ];
  }

  /** Which registered customer the record belongs to; unknown sources are rejected. */
  private attribute(record: InboundRecord): string {
    const claimed = this.config.ALLOW_SOURCE_ORG_HEADER ? record.headers[Headers.SourceOrg] : undefined;
    if (!claimed || !this.customers.get(claimed)) {
      throw new PoisonRecordError('UNKNOWN_SOURCE', 'record is not attributable to a registered customer');
    }
    return claimed;
  }
}

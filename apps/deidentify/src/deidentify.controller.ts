import { Controller, Inject, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { trace } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import { Headers, Topics, decodeEvent, deterministicId, encodeEvent } from '@kyoyu/contracts';
import { deidentify, type KAnonymityView, type PseudonymKey } from '@kyoyu/deid-engine';
import { PoisonRecordError, type InboundRecord, type OutboundMessage } from '@kyoyu/messaging';
import { CustomerDirectory } from '@kyoyu/persistence';
import { SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { DeidentifyConfig } from './config';

/** alerts.normalized.v1 → a sanitized event on events.released.v1, or a draft on review.requested.v1. */
@Controller()
export class DeidentifyController implements OnModuleInit, OnModuleDestroy {
  private readonly customers: CustomerDirectory;
  private readonly key: PseudonymKey;
  /** How many registered customers share a sector or country (k-anonymity of released context). */
  private readonly kView: KAnonymityView = {
    customersWithSector: (sector) => this.customers.countWithSector(sector),
    customersWithCountry: (country) => this.customers.countWithCountry(country),
    customersWithSectorAndCountry: (sector, country) =>
      this.customers.countWithSectorAndCountry(sector, country),
  };

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: DeidentifyConfig,
    dataSource: DataSource,
  ) {
    this.customers = new CustomerDirectory(dataSource);
    const id = config.PSEUDONYM_ACTIVE_KEY_ID;
    this.key = { id, secret: config.PSEUDONYM_KEYS[id] as Buffer };
  }

  async onModuleInit(): Promise<void> {
    await this.customers.start();
  }

  onModuleDestroy(): void {
    this.customers.stop();
  }

  @EventPattern(Topics.AlertsNormalized)
  async handle(@Payload() record: InboundRecord): Promise<OutboundMessage[]> {
    const normalized = decodeEvent(Topics.AlertsNormalized, record.value);
    const alert = normalized.data;
    const customer = this.customers.get(alert.sourceOrg);
    if (!customer) throw new PoisonRecordError('UNKNOWN_SOURCE', 'customer is no longer registered');

    const now = new Date();
    const result = deidentify({
      alert,
      customer,
      key: this.key,
      kView: this.kView,
      now,
      options: {
        timeGranularity: this.config.TIME_GRANULARITY,
        kAnonymity: this.config.K_ANONYMITY,
        riskThreshold: this.config.RISK_THRESHOLD,
      },
    });
    const span = trace.getActiveSpan();
    span?.setAttributes({
      'kyoyu.outcome': result.decision === 'release' ? 'released' : 'held',
      'kyoyu.risk': result.risk,
      'kyoyu.reasons': result.reasons.map((r) => r.code).join(','),
    });
    const base = {
      schemaVersion: 1 as const,
      correlationId: normalized.correlationId,
      source: { topic: record.topic, partition: record.partition, offset: record.offset },
      occurredAt: now.toISOString(),
    };

    if (result.decision === 'release') {
      return [
        {
          topic: Topics.EventsReleased,
          key: result.event.eventId,
          value: encodeEvent(Topics.EventsReleased, {
            ...base,
            id: deterministicId('released', result.event.eventId),
            type: 'EventReleased',
            data: { event: result.event, route: 'automatic', releasedAt: now.toISOString() },
          }),
          headers: { [Headers.EventType]: 'EventReleased' },
        },
      ];
    }
    return [
      {
        topic: Topics.ReviewRequested,
        key: alert.sourceOrg,
        value: encodeEvent(Topics.ReviewRequested, {
          ...base,
          id: deterministicId('review-requested', alert.id),
          type: 'ReviewRequested',
          data: {
            caseId: result.event.caseId,
            alertId: alert.id,
            sourceOrg: alert.sourceOrg,
            draft: result.event,
            reasons: result.reasons,
            risk: result.risk,
            transformations: result.transformations,
            original: alert.original,
          },
        }),
        headers: { [Headers.EventType]: 'ReviewRequested' },
      },
    ];
  }
}

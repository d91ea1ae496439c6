import { Controller, Inject, type OnModuleInit, type OnModuleDestroy } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import {
  Headers,
  Topics,
  deterministicId,
  encodeEvent,
  principalOfRawTopic,
  type Alert,
  type RejectReason,
} from '@kyoyu/contracts';
import { normalizeRecord, type AttackCatalogue, type IngestionLimits } from '@kyoyu/ingestion-core';
import { PoisonRecordError, type InboundRecord, type RecordOutcome } from '@kyoyu/messaging';
import { CustomerDirectory } from '@kyoyu/persistence';
import { BatchEventPattern, SERVICE_CONFIG } from '@kyoyu/service-kit';
import type { IngestionConfig } from './config';
import { OutcomeLedger, originKey, type LedgerEntry } from './outcome-ledger';
import { ATTACK_CATALOGUE } from './tokens';

type Parsed =
  | { kind: 'alert'; alert: Alert; sourceOrg: string }
  | { kind: 'rejected'; reason: RejectReason; detail: string; sourceOrg: string | null };

/**
 * Raw alerts → one canonical alert on alerts.normalized.v1, one rejection with a reason, or a counted
 * duplicate; every record's outcome is recorded in ingest_outcomes. Serves the development topic, the
 * operator's replay topic and one topic per configured customer principal (see `topicRoutes` in main.ts).
 */
@Controller()
export class IngestionController implements OnModuleInit, OnModuleDestroy {
  private readonly customers: CustomerDirectory;
  private readonly limits: IngestionLimits;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(ATTACK_CATALOGUE) private readonly catalogue: AttackCatalogue | undefined,
    private readonly ledger: OutcomeLedger,
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

  @BatchEventPattern(Topics.AlertsRaw)
  async ingest(@Payload() records: InboundRecord[]): Promise<RecordOutcome[]> {
    const receivedAt = new Date();
    const parsed = records.map((r) => this.parse(r, receivedAt));
    const outcomes = await this.ledger.record(
      records.map((r, i) => ledgerEntry(r, parsed[i] as Parsed)),
      this.config.DUPLICATE_WINDOW_HOURS,
      receivedAt,
    );
    return records.map((record, i) => {
      const p = parsed[i] as Parsed;
      if (p.kind === 'rejected') return new PoisonRecordError(p.reason, p.detail);
      const outcome = outcomes.get(originKey(record));
      record.span?.setAttributes({
        'kyoyu.outcome': outcome ?? 'unrecorded',
        'kyoyu.format': p.alert.format,
      });
      if (outcome === 'duplicate') return [];
      if (outcome !== 'normalized') return new Error('outcome not recorded');
      return [this.normalized(record, p.alert, p.sourceOrg)];
    });
  }

  private parse(record: InboundRecord, receivedAt: Date): Parsed {
    const sourceOrg = this.attribute(record);
    if (!sourceOrg) {
      return {
        kind: 'rejected',
        reason: 'UNKNOWN_SOURCE',
        detail: 'record is not attributable to a registered customer',
        sourceOrg: null,
      };
    }
    const outcome = normalizeRecord(
      {
        value: record.value ?? Buffer.alloc(0),
        formatHint: record.headers[Headers.AlertFormat],
        sourceOrg,
        receivedAt,
      },
      { limits: this.limits, ...(this.catalogue ? { catalogue: this.catalogue } : {}) },
    );
    return outcome.kind === 'rejected'
      ? { kind: 'rejected', reason: outcome.reason, detail: outcome.detail, sourceOrg }
      : { kind: 'alert', alert: outcome.alert, sourceOrg };
  }

  /**
   * Which registered customer the record belongs to. A principal's own topic names it (the broker lets only
   * that principal write there); the `source-org` header is believed only on the operator's replay topic and,
   * in development, on the shared raw topic.
   */
  private attribute(record: InboundRecord): string | undefined {
    const principal = principalOfRawTopic(record.topic);
    if (principal) return this.customers.forPrincipal(principal)?.id;
    const trusted =
      record.topic === Topics.AlertsReplay ||
      (record.topic === Topics.AlertsRaw && this.config.ALLOW_SOURCE_ORG_HEADER);
    const claimed = trusted ? record.headers[Headers.SourceOrg] : undefined;
    return claimed && this.customers.get(claimed) ? claimed : undefined;
  }

  private normalized(record: InboundRecord, alert: Alert, sourceOrg: string) {
    const correlationId = alert.id;
    return {
      topic: Topics.AlertsNormalized,
      key: sourceOrg,
      value: encodeEvent(Topics.AlertsNormalized, {
        id: deterministicId('normalized', alert.id),
        type: 'AlertNormalized',
        schemaVersion: 1,
        correlationId,
        source: { topic: record.topic, partition: record.partition, offset: record.offset },
        occurredAt: new Date().toISOString(),
        data: alert,
      }),
      headers: { [Headers.EventType]: 'AlertNormalized', [Headers.CorrelationId]: correlationId },
    };
  }
}

function ledgerEntry(record: InboundRecord, p: Parsed): LedgerEntry {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    sourceOrg: p.sourceOrg,
    alertId: p.kind === 'alert' ? p.alert.id : null,
    reason: p.kind === 'rejected' ? p.reason : null,
  };
}

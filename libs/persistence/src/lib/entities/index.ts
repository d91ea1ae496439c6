import { CustomerEntity } from './customer.entity';
import { DeliveryEntity } from './delivery.entity';
import { IngestOutcomeEntity } from './ingest-outcome.entity';
import { OutboxEntity } from './outbox.entity';
import { ReviewItemEntity } from './review-item.entity';
import { SeenAlertEntity } from './seen-alert.entity';
import { SubscriberEntity } from './subscriber.entity';
import { RejectionReplayEntity } from './rejection-replay.entity';
import { AuditLogEntity } from './audit-log.entity';
import { ReviewAccountEntity } from './review-account.entity';
import { ReleasedEventEntity } from './released-event.entity';
import { TaxiiObjectEntity } from './taxii-object.entity';

export { CustomerEntity, DeliveryEntity, OutboxEntity, ReviewItemEntity, SeenAlertEntity, SubscriberEntity };
export { RejectionReplayEntity };
export { IngestOutcomeEntity };
export type { IngestOutcome } from './ingest-outcome.entity';
export { AuditLogEntity, ReviewAccountEntity };
export type { ReviewRole } from './review-account.entity';
export type { ReviewState } from './review-item.entity';

export { ReleasedEventEntity, TaxiiObjectEntity };

export const entities = [
  CustomerEntity,
  DeliveryEntity,
  IngestOutcomeEntity,
  OutboxEntity,
  ReviewItemEntity,
  SeenAlertEntity,
  SubscriberEntity,
  RejectionReplayEntity,
  AuditLogEntity,
  ReviewAccountEntity,
  ReleasedEventEntity,
  TaxiiObjectEntity,
];

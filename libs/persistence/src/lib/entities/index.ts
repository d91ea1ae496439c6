import { CustomerEntity } from './customer.entity';
import { DeliveryEntity } from './delivery.entity';
import { IngestOutcomeEntity } from './ingest-outcome.entity';
import { OutboxEntity } from './outbox.entity';
import { ReviewItemEntity } from './review-item.entity';
import { SeenAlertEntity } from './seen-alert.entity';
import { SubscriberEntity } from './subscriber.entity';

export { CustomerEntity, DeliveryEntity, OutboxEntity, ReviewItemEntity, SeenAlertEntity, SubscriberEntity };
export { IngestOutcomeEntity };
export type { IngestOutcome } from './ingest-outcome.entity';
export type { ReviewState } from './review-item.entity';

export const entities = [
  CustomerEntity,
  DeliveryEntity,
  IngestOutcomeEntity,
  OutboxEntity,
  ReviewItemEntity,
  SeenAlertEntity,
  SubscriberEntity,
];

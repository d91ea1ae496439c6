import { CustomerEntity } from './customer.entity';
import { DeliveryEntity } from './delivery.entity';
import { IngestOutcomeEntity } from './ingest-outcome.entity';
import { OutboxEntity } from './outbox.entity';
import { ReleasedEventEntity } from './released-event.entity';
import { TaxiiObjectEntity } from './taxii-object.entity';
import { ReviewItemEntity } from './review-item.entity';
import { SeenAlertEntity } from './seen-alert.entity';
import { SubscriberEntity } from './subscriber.entity';

export { CustomerEntity, DeliveryEntity, OutboxEntity, ReviewItemEntity, SeenAlertEntity, SubscriberEntity };
export { IngestOutcomeEntity };
export type { IngestOutcome } from './ingest-outcome.entity';
export { ReleasedEventEntity, TaxiiObjectEntity };
export type { ReviewState } from './review-item.entity';

export const entities = [
  CustomerEntity,
  DeliveryEntity,
  IngestOutcomeEntity,
  OutboxEntity,
  ReleasedEventEntity,
  TaxiiObjectEntity,
  ReviewItemEntity,
  SeenAlertEntity,
  SubscriberEntity,
];

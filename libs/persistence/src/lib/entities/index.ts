import { CustomerEntity } from './customer.entity';
import { DeliveryEntity } from './delivery.entity';
import { OutboxEntity } from './outbox.entity';
import { ReviewItemEntity } from './review-item.entity';
import { SeenAlertEntity } from './seen-alert.entity';
import { SubscriberEntity } from './subscriber.entity';

export { CustomerEntity, DeliveryEntity, OutboxEntity, ReviewItemEntity, SeenAlertEntity, SubscriberEntity };
export type { ReviewState } from './review-item.entity';

export const entities = [
  CustomerEntity,
  DeliveryEntity,
  OutboxEntity,
  ReviewItemEntity,
  SeenAlertEntity,
  SubscriberEntity,
];

import type { SanitizedEvent, Tlp } from '@kyoyu/contracts';
import type { SubscriberRecord } from '@kyoyu/persistence';

const TLP_RANK: Record<Tlp, number> = { clear: 0, green: 1, amber: 2, 'amber+strict': 3, red: 4 };

/**
 * Whether a released event may go to a subscriber: its TLP is within the subscriber's clearance
 * (RED never goes out automatically; AMBER+STRICT only to named recipients) and the source agreement's
 * audience includes the subscriber.
 */
export function entitled(event: SanitizedEvent, sub: SubscriberRecord): boolean {
  const { tlp, audience } = event.distribution;
  if (tlp === 'red') return false;
  const clearance = TLP_RANK[sub.tlpClearance as Tlp];
  if (clearance === undefined || TLP_RANK[tlp] > clearance) return false;
  switch (audience.kind) {
    case 'all':
      return tlp !== 'amber+strict';
    case 'same-sector':
      return tlp !== 'amber+strict' && sub.sectors.includes(audience.sector);
    case 'named':
      return audience.subscribers.includes(sub.id);
  }
}

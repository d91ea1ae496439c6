import type { DeliveryChannel, SanitizedEvent, SubscriberFilters, Tlp } from '@kyoyu/contracts';
import { matchesFilters } from './filters';

/** A subscriber as routing sees it (no credentials). */
export interface Subscription {
  id: string;
  sectors: readonly string[];
  /** Highest TLP it is cleared for; anything unknown counts as no clearance. */
  tlpClearance: string;
  filters: SubscriberFilters;
  channels: readonly DeliveryChannel[];
}

const TLP_RANK: ReadonlyMap<string, number> = new Map<Tlp, number>([
  ['clear', 0],
  ['green', 1],
  ['amber', 2],
  ['amber+strict', 3],
  ['red', 4],
]);

/**
 * Whether a released event may go to a subscriber at all, by TLP 2.0 and the source agreement's audience:
 * CLEAR and GREEN to every audience member cleared for them; AMBER only within the agreement's audience;
 * AMBER+STRICT only to subscribers the agreement names; RED never automatically.
 */
export function entitled(
  event: SanitizedEvent,
  sub: Pick<Subscription, 'id' | 'sectors' | 'tlpClearance'>,
): boolean {
  const { tlp, audience } = event.distribution;
  if (tlp === 'red') return false;
  // A Map, not an object: a clearance such as `constructor` must not find a prototype member.
  const clearance = TLP_RANK.get(sub.tlpClearance);
  if (clearance === undefined || (TLP_RANK.get(tlp) ?? Infinity) > clearance) return false;
  switch (audience.kind) {
    case 'all':
      return tlp !== 'amber+strict';
    case 'same-sector':
      return tlp !== 'amber+strict' && sub.sectors.includes(audience.sector);
    case 'named':
      return audience.subscribers.includes(sub.id);
  }
}

export interface Route {
  subscriberId: string;
  channel: DeliveryChannel;
}

/**
 * Where one released event goes: every (subscriber, channel) for which the event's TLP and audience allow
 * it and the subscriber's filters match. An embargoed event is routed like any other; the caller holds it.
 */
export function routeEvent(event: SanitizedEvent, subscribers: readonly Subscription[]): Route[] {
  const routes: Route[] = [];
  for (const sub of subscribers) {
    if (!entitled(event, sub) || !matchesFilters(event, sub.filters)) continue;
    for (const channel of sub.channels) routes.push({ subscriberId: sub.id, channel });
  }
  return routes;
}

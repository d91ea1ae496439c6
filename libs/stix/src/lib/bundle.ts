import type { OccurrenceBucket, SanitizedEvent, SharedIndicator } from '@kyoyu/contracts';
import { stixId } from './stix-id';
import { TLP_MARKING_IDS, tlpMarkingDefinition } from './tlp';

/**
 * `created` of the objects that describe the world rather than this event (the producer, ATT&CK techniques,
 * malware families, CVEs): they are shared by many bundles under one id, and one id has one `created`.
 */
export const REFERENCE_CREATED = '2025-01-01T00:00:00.000Z';

/** How long an indicator stays valid after its observation, by type: addresses churn, hashes do not. */
const INDICATOR_LIFETIME_DAYS: Partial<Record<SharedIndicator['type'], number>> = {
  ipv4: 30,
  ipv6: 30,
  md5: 365,
  sha1: 365,
  sha256: 365,
  sha512: 365,
};
const DEFAULT_LIFETIME_DAYS = 90;
/** Sightings carry the coarse observation window (the hour the event was observed in), never more. */
const SIGHTING_WINDOW_MS = 3_600_000;

export interface Producer {
  /** The SOC operator publishing through kyoyu. Never the victim. */
  name: string;
}

const OCCURRENCE_FLOOR: Record<OccurrenceBucket, number> = {
  '1': 1,
  '2-9': 2,
  '10-99': 10,
  '100-999': 100,
  '1000+': 1000,
};

/** The producer named in bundles unless the deployment names its SOC (fan-out's PRODUCER_NAME). */
export const DEFAULT_PRODUCER: Producer = { name: 'kyoyu SOC operator' };

/** The producer named when the customer's agreement forbids naming the submitting SOC. */
export const ANONYMOUS_PRODUCER: Producer = { name: 'Anonymous contributor via kyoyu' };

export type StixObject = Record<string, unknown> & { type: string; id: string };

export interface StixBundle {
  type: 'bundle';
  id: string;
  objects: StixObject[];
}

/**
 * Ids of the reference objects (producer, techniques, malware families, CVEs) recur in almost every bundle:
 * remembered, up to a bound, instead of hashed again.
 */
const referenceIds = new Map<string, string>();
const REFERENCE_ID_CACHE = 10_000;

function referenceId(type: string, ...parts: string[]): string {
  const key = [type, ...parts].join('\u0000');
  let id = referenceIds.get(key);
  if (id === undefined) {
    if (referenceIds.size >= REFERENCE_ID_CACHE) referenceIds.clear();
    id = stixId(type, ...parts);
    referenceIds.set(key, id);
  }
  return id;
}

function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const HASH_NAMES: Partial<Record<SharedIndicator['type'], string>> = {
  md5: 'MD5',
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha512: 'SHA-512',
};

/** The STIX pattern for an indicator, or undefined for types STIX has no observable for. */
export function stixPattern(i: SharedIndicator): string | undefined {
  switch (i.type) {
    case 'ipv4':
      return `[ipv4-addr:value = ${quote(i.value)}]`;
    case 'ipv6':
      return `[ipv6-addr:value = ${quote(i.value)}]`;
    case 'domain':
    case 'hostname':
    case 'tls-sni':
      return `[domain-name:value = ${quote(i.value)}]`;
    case 'url':
      return `[url:value = ${quote(i.value)}]`;
    case 'email':
      return `[email-addr:value = ${quote(i.value)}]`;
    case 'filename':
      return `[file:name = ${quote(i.value)}]`;
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return `[file:hashes.${quote(HASH_NAMES[i.type] as string)} = ${quote(i.value)}]`;
    default:
      return undefined;
  }
}

/** STIX timestamps: RFC 3339 UTC with millisecond precision. */
function stixTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Renders one released event as a STIX 2.1 bundle: the producer identity (the SOC operator; no victim
 * appears anywhere), attack patterns with their ATT&CK references, malware, vulnerabilities, indicators
 * with STIX patterns and validity, relationships, sightings with the coarse observation window and no
 * `where_sighted_refs`, and the TLP 2.0 marking by its official id. Ids are UUIDv5 of stable content,
 * so redelivering an event yields byte-identical objects.
 *
 * The event's own claims (indicators, relationships, sightings) have event-scoped ids and are what a
 * revocation withdraws; the reference objects (identity, attack-pattern, malware, vulnerability) are
 * shared across events and stay.
 */
export function renderBundle(event: SanitizedEvent, producer: Producer): StixBundle {
  const observed = Date.parse(event.observedAt);
  if (Number.isNaN(observed)) throw new Error('event observedAt is not a timestamp');
  const ts = stixTime(observed);
  const marking = TLP_MARKING_IDS[event.distribution.tlp];
  const named = event.distribution.anonymousProducer ? ANONYMOUS_PRODUCER : producer;
  const identityId = referenceId('identity', 'producer', named.name);
  const attribution = { created_by_ref: identityId, object_marking_refs: [marking] };
  // Public knowledge (ATT&CK, CVE, malware families) shared by every event under one id: identical in every
  // bundle, so TLP:CLEAR and no producer, whatever this event's TLP and producer are.
  const reference = {
    spec_version: '2.1',
    created: REFERENCE_CREATED,
    modified: REFERENCE_CREATED,
    object_marking_refs: [TLP_MARKING_IDS.clear],
  };
  const claim = {
    spec_version: '2.1',
    created: ts,
    modified: ts,
    ...attribution,
    confidence: event.confidence,
  };

  const objects: StixObject[] = [
    {
      type: 'identity',
      spec_version: '2.1',
      id: identityId,
      created: REFERENCE_CREATED,
      modified: REFERENCE_CREATED,
      name: named.name,
      identity_class: 'organization',
    },
  ];
  const relate = (source: string, type: string, target: string) =>
    objects.push({
      type: 'relationship',
      ...claim,
      id: stixId('relationship', event.eventId, source, type, target),
      relationship_type: type,
      source_ref: source,
      target_ref: target,
    });

  const attackPatterns = unique(event.techniques.map((t) => t.id)).map((techniqueId) => {
    const t = event.techniques.find((x) => x.id === techniqueId);
    const id = referenceId('attack-pattern', techniqueId);
    objects.push({
      type: 'attack-pattern',
      ...reference,
      id,
      name: t?.name ?? techniqueId,
      external_references: [
        {
          source_name: 'mitre-attack',
          external_id: techniqueId,
          url: `https://attack.mitre.org/techniques/${techniqueId.replace('.', '/')}/`,
        },
      ],
    });
    return id;
  });

  const malware = unique(event.malware).map((name) => {
    const id = referenceId('malware', name.toLowerCase());
    objects.push({ type: 'malware', ...reference, id, name, is_family: true, malware_types: ['unknown'] });
    return id;
  });

  const vulnerabilities = unique(event.cves.map((c) => c.toUpperCase())).map((cve) => {
    const id = referenceId('vulnerability', cve);
    objects.push({
      type: 'vulnerability',
      ...reference,
      id,
      name: cve,
      external_references: [
        { source_name: 'cve', external_id: cve, url: `https://www.cve.org/CVERecord?id=${cve}` },
      ],
    });
    return id;
  });

  const indicators: string[] = [];
  for (const ind of event.indicators) {
    if (ind.role === 'victim') continue;
    const pattern = stixPattern(ind);
    if (!pattern) continue;
    const id = stixId('indicator', event.eventId, ind.type, ind.value);
    if (indicators.includes(id)) continue;
    indicators.push(id);
    const lifetime = INDICATOR_LIFETIME_DAYS[ind.type] ?? DEFAULT_LIFETIME_DAYS;
    objects.push({
      type: 'indicator',
      ...claim,
      id,
      name: `${ind.type} seen in: ${event.title}`.slice(0, 250),
      indicator_types: ['malicious-activity'],
      pattern,
      pattern_type: 'stix',
      valid_from: ts,
      valid_until: stixTime(observed + lifetime * 86_400_000),
    });
    for (const target of [...attackPatterns, ...malware]) relate(id, 'indicates', target);
  }
  for (const m of malware) for (const ap of attackPatterns) relate(m, 'uses', ap);
  for (const ap of attackPatterns) for (const v of vulnerabilities) relate(ap, 'targets', v);

  // What was seen, when (to the hour), and how sure the producer is; never where (no victim reference).
  const sighted = indicators.length ? indicators : attackPatterns.length ? attackPatterns : malware;
  for (const ref of sighted) {
    objects.push({
      type: 'sighting',
      ...claim,
      id: stixId('sighting', event.eventId, ref),
      sighting_of_ref: ref,
      first_seen: ts,
      last_seen: stixTime(observed + SIGHTING_WINDOW_MS),
      // The bucket's lower bound: STIX wants an integer, and the exact count never leaves the engine.
      count: OCCURRENCE_FLOOR[event.occurrences ?? '1'],
    });
  }

  objects.push(tlpMarkingDefinition(event.distribution.tlp));
  if (event.distribution.tlp !== 'clear' && objects.some((o) => REFERENCE_TYPES.has(o.type))) {
    objects.push(tlpMarkingDefinition('clear'));
  }
  return { type: 'bundle', id: stixId('bundle', event.eventId), objects };
}

/** Public-knowledge objects shared across events: always TLP:CLEAR, never attributed to a producer. */
export const REFERENCE_TYPES: ReadonlySet<string> = new Set(['attack-pattern', 'malware', 'vulnerability']);

/** The types a revocation withdraws: the event's own claims, never the shared reference objects. */
const EVENT_SCOPED_TYPES = new Set([
  'indicator',
  'relationship',
  'sighting',
  'observed-data',
  'report',
  'note',
]);

/**
 * The revoked versions of an event's objects: same ids and `created`, a later `modified`, `revoked: true`.
 * The bundle keeps the producer identity and the marking definition, so it validates on its own.
 */
export function renderRevokedBundle(bundle: StixBundle, revokedAt: string): StixBundle {
  const at = Date.parse(revokedAt);
  if (Number.isNaN(at)) throw new Error('revokedAt is not a timestamp');
  const objects = bundle.objects.flatMap((o): StixObject[] => {
    if (o.type === 'identity' || o.type === 'marking-definition') return [o];
    if (!EVENT_SCOPED_TYPES.has(o.type)) return [];
    // `modified` must move forward even when the operator's clock is behind the observation.
    const previous = Date.parse(String(o['modified']));
    return [{ ...o, modified: stixTime(Math.max(at, previous + 1)), revoked: true }];
  });
  // Only the markings the revoked objects still use (the CLEAR one of reference objects goes with them).
  const used = new Set(objects.flatMap((o) => (o['object_marking_refs'] as string[] | undefined) ?? []));
  const kept = objects.filter((o) => o.type !== 'marking-definition' || used.has(o.id));
  return { type: 'bundle', id: stixId('bundle', bundle.id, 'revoked'), objects: kept };
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

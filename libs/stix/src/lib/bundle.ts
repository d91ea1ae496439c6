import { v5 as uuidv5 } from 'uuid';
import type { SanitizedEvent, SharedIndicator } from '@kyoyu/contracts';
import { TLP_MARKING_IDS, tlpMarkingDefinition } from './tlp';

/** Namespace of kyoyu's deterministic STIX ids: the same content always gets the same id. */
const KYOYU_NAMESPACE = 'b6e3f0b2-5a7c-4d0e-9a61-3f2c1d7e8a90';

export interface Producer {
  /** The SOC operator publishing through kyoyu. Never the victim. */
  name: string;
}

export interface StixBundle {
  type: 'bundle';
  id: string;
  objects: Array<Record<string, unknown>>;
}

function stixId(type: string, ...parts: string[]): string {
  return `${type}--${uuidv5(parts.join('\u0000'), KYOYU_NAMESPACE)}`;
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

/**
 * Renders one released event as a STIX 2.1 bundle: producer identity, indicators, attack patterns with
 * their ATT&CK references, vulnerabilities, relationships and the TLP 2.0 marking. Object ids are
 * UUIDv5 of stable content, so redelivering an event yields byte-identical objects.
 */
export function renderBundle(event: SanitizedEvent, producer: Producer): StixBundle {
  const ts = event.observedAt;
  const marking = TLP_MARKING_IDS[event.distribution.tlp];
  const identityId = stixId('identity', 'producer', producer.name);
  const common = {
    spec_version: '2.1',
    created: ts,
    modified: ts,
    created_by_ref: identityId,
    object_marking_refs: [marking],
  };

  const objects: Array<Record<string, unknown>> = [
    {
      type: 'identity',
      spec_version: '2.1',
      id: identityId,
      created: '2025-01-01T00:00:00.000Z',
      modified: '2025-01-01T00:00:00.000Z',
      name: producer.name,
      identity_class: 'organization',
    },
  ];

  const attackPatterns = event.techniques.map((t) => {
    const id = stixId('attack-pattern', t.id);
    objects.push({
      type: 'attack-pattern',
      ...common,
      id,
      name: t.name ?? t.id,
      external_references: [
        {
          source_name: 'mitre-attack',
          external_id: t.id,
          url: `https://attack.mitre.org/techniques/${t.id.replace('.', '/')}/`,
        },
      ],
    });
    return id;
  });

  for (const cve of event.cves) {
    objects.push({
      type: 'vulnerability',
      ...common,
      id: stixId('vulnerability', cve),
      name: cve,
      external_references: [{ source_name: 'cve', external_id: cve }],
    });
  }

  for (const ind of event.indicators) {
    if (ind.role === 'victim') continue;
    const pattern = stixPattern(ind);
    if (!pattern) continue;
    const id = stixId('indicator', event.eventId, ind.type, ind.value);
    objects.push({
      type: 'indicator',
      ...common,
      id,
      name: `${ind.type} seen in: ${event.title}`.slice(0, 250),
      indicator_types: ['malicious-activity'],
      pattern,
      pattern_type: 'stix',
      valid_from: ts,
      confidence: event.confidence,
    });
    for (const ap of attackPatterns) {
      objects.push({
        type: 'relationship',
        ...common,
        id: stixId('relationship', id, 'indicates', ap),
        relationship_type: 'indicates',
        source_ref: id,
        target_ref: ap,
      });
    }
  }

  objects.push(tlpMarkingDefinition(event.distribution.tlp));
  return { type: 'bundle', id: stixId('bundle', event.eventId), objects };
}

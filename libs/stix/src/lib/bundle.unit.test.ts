import type { SanitizedEvent } from '@kyoyu/contracts';
import {
  ANONYMOUS_PRODUCER,
  REFERENCE_TYPES,
  TLP_MARKING_IDS,
  renderBundle,
  renderRevokedBundle,
  stixPattern,
} from '../index';

const event: SanitizedEvent = {
  eventId: 'e1',
  caseId: 'case-1',
  observedAt: '2026-11-20T01:00:00.000Z',
  title: 'ET MALWARE FormBook CnC Checkin (GET)',
  severity: { score: 80, label: 'high' },
  techniques: [{ id: 'T1071.001', name: 'Web Protocols' }],
  tactics: [{ shortname: 'command-and-control' }],
  indicators: [
    { type: 'ipv4', value: '203.0.113.9', role: 'attacker' },
    { type: 'url', value: "http://c2.example/x?q='1'", role: 'attacker' },
    { type: 'sha256', value: 'a'.repeat(64), role: 'unknown' },
    { type: 'ipv4', value: '10.0.0.5', role: 'victim' },
  ],
  malware: [],
  cves: ['CVE-2021-44228'],
  context: {},
  confidence: 70,
  distribution: { tlp: 'amber', audience: { kind: 'all' }, agreementVersion: 1 },
};

describe('renderBundle', () => {
  it('is deterministic: the same event renders byte-identical bundles', () => {
    expect(JSON.stringify(renderBundle(event, { name: 'SOC' }))).toBe(
      JSON.stringify(renderBundle(event, { name: 'SOC' })),
    );
  });

  it("marks the event's own objects with its official TLP 2.0 marking and public reference objects CLEAR", () => {
    const b = renderBundle(event, { name: 'SOC' });
    const marked = b.objects.filter((o) => o['type'] !== 'identity' && o['type'] !== 'marking-definition');
    const own = marked.filter((o) => !REFERENCE_TYPES.has(o.type));
    const reference = marked.filter((o) => REFERENCE_TYPES.has(o.type));
    expect(own.length).toBeGreaterThan(0);
    expect(reference.length).toBeGreaterThan(0);
    for (const o of own)
      expect(o['object_marking_refs']).toEqual(['marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421']);
    for (const o of reference) {
      expect(o['object_marking_refs']).toEqual(['marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487']);
      expect(o['created_by_ref']).toBeUndefined();
    }
    expect(b.objects.filter((o) => o['type'] === 'marking-definition').map((o) => o['id'])).toEqual([
      TLP_MARKING_IDS.amber,
      TLP_MARKING_IDS.clear,
    ]);
  });

  it('names an anonymous contributor, not the SOC, when the agreement forbids naming it', () => {
    const anonymous = { ...event, distribution: { ...event.distribution, anonymousProducer: true } };
    const identities = renderBundle(anonymous, { name: 'Example SOC K.K.' }).objects.filter(
      (o) => o['type'] === 'identity',
    );
    expect(identities.map((o) => o['name'])).toEqual([ANONYMOUS_PRODUCER.name]);
    expect(JSON.stringify(renderBundle(anonymous, { name: 'Example SOC K.K.' }))).not.toContain(
      'Example SOC',
    );
  });

  it('turns attacker-side indicators into patterns and never victim-side ones', () => {
    const patterns = renderBundle(event, { name: 'SOC' })
      .objects.filter((o) => o['type'] === 'indicator')
      .map((o) => o['pattern']);
    expect(patterns).toContain("[ipv4-addr:value = '203.0.113.9']");
    expect(patterns).toContain("[file:hashes.'SHA-256' = '" + 'a'.repeat(64) + "']");
    expect(patterns.join()).not.toContain('10.0.0.5');
  });

  it('escapes quotes and backslashes inside pattern literals', () => {
    expect(stixPattern({ type: 'url', value: "http://x/'\\", role: 'attacker' })).toBe(
      "[url:value = 'http://x/\\'\\\\']",
    );
    expect(stixPattern({ type: 'ja3', value: 'abc', role: 'attacker' })).toBeUndefined();
  });
});

describe('renderBundle completeness', () => {
  const b = renderBundle({ ...event, malware: ['FormBook'] }, { name: 'SOC' });
  const ofType = (t: string) => b.objects.filter((o) => o.type === t);

  it('names only the producer identity, and sightings never say where', () => {
    expect(ofType('identity').map((o) => o['name'])).toEqual(['SOC']);
    for (const s of ofType('sighting')) {
      expect(s['where_sighted_refs']).toBeUndefined();
      expect(s['first_seen']).toBe('2026-11-20T01:00:00.000Z');
      expect(s['last_seen']).toBe('2026-11-20T02:00:00.000Z');
    }
    expect(ofType('sighting')).toHaveLength(ofType('indicator').length);
  });

  it('gives indicators a validity window and the event confidence, and relates them', () => {
    for (const i of ofType('indicator')) {
      expect(Date.parse(String(i['valid_until']))).toBeGreaterThan(Date.parse(String(i['valid_from'])));
      expect(i['confidence']).toBe(70);
    }
    const rels = ofType('relationship').map((r) => r['relationship_type']);
    expect(rels).toEqual(expect.arrayContaining(['indicates', 'uses', 'targets']));
    expect(ofType('malware')[0]).toMatchObject({ name: 'FormBook', is_family: true });
    expect(ofType('vulnerability')[0]).toMatchObject({ name: 'CVE-2021-44228' });
  });
});

describe('renderRevokedBundle', () => {
  const b = renderBundle(event, { name: 'SOC' });
  const revoked = renderRevokedBundle(b, '2026-11-21T00:00:00.000Z');

  it("revokes the event's own claims under the same ids, with a later modified", () => {
    const claims = b.objects.filter((o) => ['indicator', 'relationship', 'sighting'].includes(o.type));
    const revokedClaims = revoked.objects.filter((o) => o['revoked'] === true);
    expect(revokedClaims.map((o) => o.id)).toEqual(claims.map((o) => o.id));
    for (const o of revokedClaims) {
      const before = claims.find((c) => c.id === o.id)!;
      expect(o['created']).toBe(before['created']);
      expect(o['modified']).toBe('2026-11-21T00:00:00.000Z');
    }
  });

  it('leaves shared reference objects alone and keeps the identity and marking', () => {
    expect(revoked.objects.some((o) => o.type === 'attack-pattern' || o.type === 'vulnerability')).toBe(
      false,
    );
    expect(revoked.objects.filter((o) => !o['revoked']).map((o) => o.type)).toEqual([
      'identity',
      'marking-definition',
    ]);
  });

  it('moves modified forward even when the revocation time is before the observation', () => {
    const early = renderRevokedBundle(b, '2020-01-01T00:00:00.000Z');
    for (const o of early.objects.filter((x) => x['revoked'])) {
      expect(Date.parse(String(o['modified']))).toBeGreaterThan(Date.parse(String(o['created'])));
    }
  });
});

describe('sighting count', () => {
  it("is the lower bound of the event's occurrence bucket, never an exact figure", () => {
    const counts = (e: SanitizedEvent) =>
      renderBundle(e, { name: 'SOC' })
        .objects.filter((o) => o.type === 'sighting')
        .map((o) => o['count']);
    expect(new Set(counts({ ...event, occurrences: '10-99' }))).toEqual(new Set([10]));
    expect(new Set(counts({ ...event }))).toEqual(new Set([1]));
  });
});

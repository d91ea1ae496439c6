/* eslint-disable @nx/enforce-module-boundaries -- the test reads the OASIS schemas from ../shared/samples */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { SanitizedEvent, Tlp } from '@kyoyu/contracts';
import { sharedSamplesDir } from '@kyoyu/testing';
/* eslint-enable @nx/enforce-module-boundaries */
import {
  REFERENCE_TYPES,
  TLP_MARKING_IDS,
  compileStixValidator,
  renderBundle,
  renderRevokedBundle,
  type StixValidator,
} from '../index';

const samples = sharedSamplesDir();

function loadSchemas(dir: string): Array<{ $id?: string }> {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { $id?: string });
}

const OFFICIAL_TLP2: Record<Tlp, string> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

const base: SanitizedEvent = {
  eventId: 'evt-1',
  caseId: 'case-1',
  observedAt: '2026-11-20T01:00:00.000Z',
  title: 'ET MALWARE FormBook CnC Checkin (GET)',
  severity: { score: 80, label: 'high' },
  techniques: [{ id: 'T1071.001', name: 'Web Protocols' }, { id: 'T1190' }],
  tactics: [{ shortname: 'command-and-control' }],
  indicators: [
    { type: 'ipv4', value: '203.0.113.9', role: 'attacker' },
    { type: 'ipv6', value: '2001:db8::9', role: 'attacker' },
    { type: 'domain', value: 'c2.example', role: 'attacker' },
    { type: 'url', value: "http://c2.example/x?q='1'", role: 'attacker' },
    { type: 'email', value: 'phish@bad.example', role: 'attacker' },
    { type: 'filename', value: 'inv\\oice.exe', role: 'unknown' },
    { type: 'md5', value: 'b'.repeat(32), role: 'unknown' },
    { type: 'sha1', value: 'c'.repeat(40), role: 'unknown' },
    { type: 'sha256', value: 'a'.repeat(64), role: 'unknown' },
    { type: 'ja3', value: 'e7d705a3286e19ea42f587b344ee6865', role: 'attacker' },
    { type: 'ipv4', value: '10.0.0.5', role: 'victim' },
  ],
  malware: ['FormBook'],
  cves: ['CVE-2021-44228'],
  context: {},
  confidence: 70,
  distribution: { tlp: 'amber', audience: { kind: 'all' }, agreementVersion: 1 },
};

/** Every shape the renderer has a branch for: each TLP, with and without indicators, malware, CVEs. */
const variants: Array<[string, SanitizedEvent]> = [
  ...(Object.keys(OFFICIAL_TLP2) as Tlp[]).map((tlp): [string, SanitizedEvent] => [
    `full event, TLP:${tlp}`,
    { ...base, eventId: `e-${tlp}`, distribution: { ...base.distribution, tlp } },
  ]),
  ['technique only', { ...base, eventId: 'e-t', indicators: [], malware: [], cves: [] }],
  ['malware only', { ...base, eventId: 'e-m', indicators: [], techniques: [], cves: [] }],
  ['nothing but a title', { ...base, eventId: 'e-0', indicators: [], techniques: [], malware: [], cves: [] }],
  [
    'victim-side indicators only',
    { ...base, eventId: 'e-v', indicators: [{ type: 'ipv4', value: '10.1.1.1', role: 'victim' }] },
  ],
];

(samples ? describe : describe.skip)(
  'STIX bundles against the OASIS STIX 2.1 JSON schemas (../shared/samples/stix)',
  () => {
    let validate: StixValidator;
    beforeAll(() => {
      validate = compileStixValidator(loadSchemas(path.join(samples!, 'stix', 'schemas')));
    });

    it('rejects a bundle that breaks the schemas (the validator is not a no-op)', () => {
      const bundle = renderBundle(base, { name: 'SOC' });
      const broken = {
        ...bundle,
        objects: bundle.objects.map((o) =>
          o.type === 'indicator' ? { ...o, pattern_type: undefined, created: 'yesterday' } : o,
        ),
      };
      const result = validate(JSON.parse(JSON.stringify(broken)));
      expect(result.valid).toBe(false);
      expect(result.errors.some((e) => e.startsWith('indicator--'))).toBe(true);
    });

    it.each(variants)('validates the bundle of %s, and its revoked versions', (_name, event) => {
      const bundle = JSON.parse(JSON.stringify(renderBundle(event, { name: 'Example SOC' }))) as ReturnType<
        typeof renderBundle
      >;
      expect(validate(bundle)).toEqual({ valid: true, errors: [] });
      const revoked = renderRevokedBundle(bundle, '2026-11-21T00:00:00.000Z');
      expect(validate(JSON.parse(JSON.stringify(revoked)))).toEqual({ valid: true, errors: [] });

      const marking = OFFICIAL_TLP2[event.distribution.tlp];
      const hasReference = bundle.objects.some((o) => REFERENCE_TYPES.has(o.type));
      expect(bundle.objects.filter((o) => o.type === 'marking-definition').map((o) => o.id)).toEqual(
        hasReference && marking !== OFFICIAL_TLP2.clear ? [marking, OFFICIAL_TLP2.clear] : [marking],
      );
      for (const o of bundle.objects) {
        if (o.type === 'marking-definition' || o.type === 'identity') continue;
        expect(o['object_marking_refs']).toEqual([
          REFERENCE_TYPES.has(o.type) ? OFFICIAL_TLP2.clear : marking,
        ]);
      }
    });

    it('validates the official examples too (the schemas are loaded and resolved as published)', () => {
      const file = path.join(samples!, 'stix', 'examples', 'indicator-for-c2-ip-address.json');
      expect(validate(JSON.parse(readFileSync(file, 'utf8')))).toEqual({ valid: true, errors: [] });
    });
  },
);

describe('TLP 2.0 marking ids', () => {
  it('are the official OASIS ids', () => {
    expect(TLP_MARKING_IDS).toEqual(OFFICIAL_TLP2);
  });
});

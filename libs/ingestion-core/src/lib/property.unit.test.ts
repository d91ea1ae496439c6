import { Alert, type AlertFormat, RejectReason } from '@kyoyu/contracts';
import { simulateAlerts } from '@kyoyu/simulator';
import fc from 'fast-check';
import { DEFAULT_LIMITS, normalizeRecord } from '../index';

/** Smaller string bound so oversize strings stay cheap to generate (same code path as 256 KiB). */
const LIMITS = { ...DEFAULT_LIMITS, maxStringLength: 4096 };
const FORMATS: AlertFormat[] = ['ocsf', 'ecs', 'suricata', 'wazuh', 'cef'];
const seeds = (format: AlertFormat): Buffer[] =>
  [...simulateAlerts({ seed: 7, count: 40, formats: [format] })].map((s) => Buffer.from(s.value, 'utf8'));

const insertAt = (b: Buffer, at: number, ins: Buffer): Buffer =>
  Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);

/** Mutations of a real-shaped record, as an attacker or a broken forwarder would produce them. */
const mutation = (base: Buffer): fc.Arbitrary<Buffer> => {
  const pos = fc.nat({ max: Math.max(0, base.length - 1) });
  const s = base.toString('utf8');
  return fc.oneof(
    fc.constant(base),
    pos.map((n) => base.subarray(0, n)), // truncation
    fc.tuple(pos, fc.integer({ min: 0, max: 255 })).map(([n, v]) => {
      const c = Buffer.from(base);
      c[n] = v;
      return c;
    }), // byte flip
    fc
      .tuple(
        pos,
        fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80])),
      )
      .map(([n, bad]) => insertAt(base, n, bad)), // bad UTF-8
    fc
      .tuple(fc.integer({ min: 1, max: 200 }), fc.boolean())
      .map(([d, obj]) =>
        Buffer.from(
          obj
            ? `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`
            : s.replace(':', `:${'['.repeat(d)}1${']'.repeat(d)},"zz":`),
        ),
      ), // deep nesting
    fc
      .integer({ min: 1_000, max: 6_000 })
      .map((n) => Buffer.from(s.replace(':', `:"${'A'.repeat(n)}","zz":`))), // huge strings
    fc
      .constantFrom('__proto__', 'constructor', 'prototype')
      .map((k) => Buffer.from(s.replace('{', `{"${k}":{"polluted":true,"prototype":{"p":1}},`))),
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 80n }).map((n) => Buffer.from(s.replace('{', `{"big":${n},`))), // big ints
    fc.constant(Buffer.from(s.replace(/^(\s*\{)("[^"]+":[^,]+,)/, '$1$2$2'))), // duplicate key
    fc.tuple(fc.jsonValue(), fc.nat({ max: 50 })).map(([v, k]) => {
      // type swap: replace the k-th value after a key with a random JSON value
      let i = 0;
      return Buffer.from(
        s.replace(/:("[^"]*"|-?\d+(?:\.\d+)?|true|false|null)/g, (m) =>
          i++ === k ? `:${JSON.stringify(v) ?? 'null'}` : m,
        ),
      );
    }),
    fc.string({ maxLength: 200 }).map((x) => Buffer.from(x)), // noise
  );
};

describe.each(FORMATS)('property: %s records, mutated', (format) => {
  const bases = seeds(format);
  it('never throws; exactly one valid outcome per input (10,000 runs)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...bases).chain(mutation),
        fc.option(fc.constantFrom(format, 'bogus'), { nil: undefined }),
        (value, hint) => {
          const o = normalizeRecord(
            {
              value,
              sourceOrg: 'org-p',
              receivedAt: new Date('2025-03-01T00:00:00Z'),
              ...(hint ? { formatHint: hint } : {}),
            },
            { limits: LIMITS },
          );
          if (o.kind === 'normalized') {
            const p = Alert.safeParse(o.alert);
            if (!p.success) throw new Error(`invalid alert: ${p.error.message}`);
          } else {
            expect(RejectReason.safeParse(o.reason).success).toBe(true);
            expect(typeof o.detail).toBe('string');
            // The catch-all in normalizeRecord is a safety net: no mapper may need it.
            expect(o.detail).not.toMatch(/^mapper failed/);
          }
          expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        },
      ),
      { numRuns: 10_000, seed: 4242 },
    );
  });
});

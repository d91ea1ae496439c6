import { Alert, type AlertFormat, RejectReason } from '@kyoyu/contracts';
import fc from 'fast-check';
import { DEFAULT_LIMITS, normalizeRecord } from '../index';

/*
 * Records generated field by field in each format's shape (the mutation property in property.unit.test.ts
 * starts from simulator output instead): every field may hold any JSON value, hostile strings
 * (prototype member names, ATT&CK/CVE look-alikes, long runs, every Unicode plane) or a plausible value.
 * Invariant: no exception escapes, exactly one outcome, a normalized alert satisfies the Alert schema,
 * a rejection carries a known reason, and Object.prototype stays clean.
 */
const LIMITS = { ...DEFAULT_LIMITS, maxStringLength: 4096 };
const RUNS = 10_000;

const hostile = fc.constantFrom(
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'prototype',
  'attack.t1059.001 T1003 TA0002 t9999.999',
  'CVE-2021-44228 cve-1999-0001 CVE-12-1',
  '\u0000\u202e\ufeff',
  'a'.repeat(5000),
  '=|\\|\\=\\\\ \\n',
  'http://[::1]:80/x?y=z',
  '',
);
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), hostile);
const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.constantFrom('10.0.0.1', '999.1.1.1'), text);
const technique = fc.oneof(fc.constantFrom('T1059', 'T1059.001', 't1003', 'TA0002', 'execution'), text);
const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
/** JSON.parse makes `__proto__` an own key, so JSON.stringify writes it back out. */
const POISON = JSON.parse(
  '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}',
) as unknown;
/** A plausible value of the given shape, or anything else in its place. */
const or = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 8, arbitrary: a },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.constant(POISON) },
  );
const many = <T>(a: fc.Arbitrary<T>) => or(fc.oneof(a, fc.array(a, { maxLength: 4 })));
const rec = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) =>
  or(fc.record(shape, { requiredKeys: [] }));

const endpoint = rec({ ip: or(ip), port: or(fc.integer({ min: -1, max: 70_000 })), hostname: or(text) });
const hashes = many(rec({ algorithm_id: or(fc.integer({ min: 0, max: 5 })), value: or(text) }));

const GENERATORS: Record<AlertFormat, fc.Arbitrary<string>> = {
  ocsf: fc
    .record(
      {
        class_uid: or(fc.constantFrom(2004, 2001, 4001, '2004', 2004.5)),
        severity_id: or(fc.integer({ min: -1, max: 100 })),
        severity: or(text),
        time: or(fc.oneof(fc.integer(), text)),
        message: or(text),
        metadata: rec({ uid: or(text), tenant_uid: or(text), product: rec({ name: or(text) }) }),
        finding_info: rec({
          uid: or(text),
          title: or(text),
          desc: or(text),
          types: many(text),
          analytic: rec({ uid: or(text), name: or(text), type_id: or(fc.integer()) }),
          attacks: many(rec({ technique: rec({ uid: or(technique) }), tactic: rec({ uid: or(technique) }) })),
        }),
        device: rec({ hostname: or(text), ip: or(ip), mac: many(text) }),
        actor: rec({
          user: rec({ name: or(text), email_addr: or(text) }),
          process: rec({ cmd_line: or(text), file: rec({ hashes }) }),
        }),
        src_endpoint: endpoint,
        dst_endpoint: endpoint,
        connection_info: rec({ direction_id: or(fc.integer({ min: 0, max: 4 })) }),
        evidences: many(rec({ src_endpoint: endpoint, url: rec({ url_string: or(text) }) })),
        observables: many(
          rec({ name: or(text), type_id: or(fc.integer({ min: 0, max: 10 })), value: or(text) }),
        ),
        vulnerabilities: many(rec({ cve: rec({ uid: or(text) }) })),
        malware: many(rec({ name: or(text), path: or(text) })),
      },
      { requiredKeys: ['class_uid'] },
    )
    .map((d) => JSON.stringify(d)),
  ecs: fc
    .record(
      {
        '@timestamp': or(text),
        event: rec({
          kind: or(fc.constantFrom('alert', 'signal', 'event')),
          severity: or(scalar),
          module: or(text),
        }),
        'kibana.alert.rule.name': or(text),
        'kibana.alert.severity': or(fc.oneof(fc.constantFrom('low', 'critical'), hostile)),
        'kibana.alert.rule.threat': many(
          rec({
            technique: many(rec({ id: many(technique), name: many(text) })),
            tactic: rec({ id: or(technique) }),
          }),
        ),
        tags: many(text),
        host: rec({ name: or(text), ip: many(ip), mac: many(text) }),
        user: rec({ name: or(text), email: or(text) }),
        source: rec({ ip: or(ip), port: or(scalar), domain: or(text) }),
        destination: rec({ ip: or(ip), port: or(scalar), domain: or(text) }),
        network: rec({ direction: or(fc.constantFrom('inbound', 'outbound', 'sideways')) }),
        url: rec({ full: or(text) }),
        process: rec({
          name: or(text),
          command_line: or(text),
          hash: rec({ sha256: or(text) }),
          parent: rec({ name: or(text) }),
        }),
        file: rec({ path: or(text), name: or(text), hash: rec({ md5: or(text) }) }),
        threat: rec({ indicator: rec({ ip: many(ip), url: rec({ full: or(text) }) }) }),
      },
      { requiredKeys: ['event'] },
    )
    .map((d) => JSON.stringify(d)),
  suricata: fc
    .record(
      {
        event_type: or(fc.constantFrom('alert', 'dns', 'flow')),
        timestamp: or(text),
        src_ip: or(ip),
        dest_ip: or(ip),
        src_port: or(fc.integer({ min: 0, max: 65_535 })),
        dest_port: or(fc.integer({ min: 0, max: 65_535 })),
        alert: rec({
          signature: or(text),
          signature_id: or(fc.integer()),
          gid: or(fc.integer()),
          severity: or(fc.integer({ min: 0, max: 5 })),
          category: or(text),
          metadata: rec({
            mitre_technique_id: many(technique),
            cve: many(text),
            hostile: many(fc.constantFrom('src_ip', 'dest_ip')),
          }),
        }),
        http: rec({ hostname: or(text), url: or(text), http_user_agent: or(text) }),
        tls: rec({ sni: or(text), ja3: rec({ hash: or(text) }) }),
        dns: rec({ query: many(rec({ rrname: or(text) })) }),
        fileinfo: many(rec({ filename: or(text), sha256: or(text) })),
        smb: rec({ ntlmssp: rec({ user: or(text), host: or(text) }) }),
      },
      { requiredKeys: ['event_type', 'src_ip'] },
    )
    .map((d) => JSON.stringify(d)),
  wazuh: fc
    .record(
      {
        timestamp: or(text),
        rule: rec({
          level: or(fc.integer({ min: -1, max: 20 })),
          description: or(text),
          id: or(fc.oneof(text, fc.integer())),
          groups: many(text),
          info: or(text),
          mitre: rec({ id: many(technique), tactic: many(text), technique: many(text) }),
        }),
        agent: rec({ name: or(text), ip: or(ip), id: or(text) }),
        manager: rec({ name: or(text) }),
        full_log: or(text),
        data: rec({
          srcip: or(ip),
          dstip: or(ip),
          url: or(text),
          vulnerability: rec({ cve: or(text) }),
          aws: rec({
            title: or(text),
            service: rec({
              action: rec({
                portProbeAction: rec({
                  portProbeDetails: many(rec({ remoteIpDetails: rec({ ipAddressV4: or(ip) }) })),
                }),
              }),
            }),
          }),
        }),
        syscheck: rec({ path: or(text), md5_after: or(text), uname_after: or(text) }),
      },
      { requiredKeys: ['rule', 'agent'] },
    )
    .map((d) => JSON.stringify(d)),
  cef: fc
    .tuple(
      fc.constantFrom('', '<134>Sep 19 08:26:10 fw01 ', '<134>1 2025-03-01T10:00:00Z fw01 CEF - - - '),
      fc.array(fc.oneof(text, fc.constantFrom('0', 'Trend Micro', 'High', '10', 'a\\|b')), {
        minLength: 7,
        maxLength: 8,
      }),
      fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom(
              'src',
              'dst',
              'cs1',
              'cs1Label',
              'deviceDirection',
              'fileHash',
              'request',
              'constructor',
            ),
            fc.string(),
          ),
          fc.oneof(text, ip, technique),
        ),
        { maxLength: 12 },
      ),
    )
    .map(
      ([syslog, header, ext]) =>
        `${syslog}CEF:${header.join('|')}|${ext.map(([k, v]) => `${k}=${v}`).join(' ')}`,
    ),
};

describe.each(Object.keys(GENERATORS) as AlertFormat[])('property: generated %s records', (format) => {
  it(`never throws; exactly one valid outcome per record (${RUNS.toLocaleString('en')} runs)`, () => {
    const outcomes = new Map<string, number>();
    fc.assert(
      fc.property(GENERATORS[format], fc.option(fc.constant(format), { nil: undefined }), (value, hint) => {
        const o = normalizeRecord(
          {
            value: Buffer.from(value, 'utf8'),
            sourceOrg: 'org-g',
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
        const k = o.kind === 'normalized' ? 'normalized' : o.reason;
        outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: RUNS, seed: 9090 },
    );
    // The generators must reach the mapper, not only the rejections at the door.
    expect(outcomes.get('normalized') ?? 0).toBeGreaterThan(RUNS / 10);
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
  });
});

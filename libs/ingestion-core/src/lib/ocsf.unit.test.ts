import { Alert } from '@kyoyu/contracts';
import { normalizeRecord, type IngestOutcome } from '../index';
import * as F from '../testing/ocsf-fixtures';

/* OCSF has no public sample corpus: these are the project's own fixtures, written from the schema. */
const rec = (doc: unknown, formatHint?: string): IngestOutcome =>
  normalizeRecord({
    value: Buffer.from(JSON.stringify(doc), 'utf8'),
    sourceOrg: 'org-ocsf',
    receivedAt: new Date('2025-03-01T00:00:00Z'),
    ...(formatHint ? { formatHint } : {}),
  });
const ok = (o: IngestOutcome): Alert => {
  if (o.kind !== 'normalized') throw new Error(`rejected ${o.reason}: ${o.detail}`);
  return Alert.parse(o.alert);
};
const indicator = (a: Alert, field: string) => a.indicators.filter((i) => i.field === field);

describe('OCSF fixtures (own, from the OCSF schema)', () => {
  it('Detection Finding (2004) from an EDR: ATT&CK, severity, public Sigma rule, victim assets, hashes', () => {
    const a = ok(rec(F.EDR_CREDENTIAL_DUMPING));
    expect(a).toMatchObject({
      format: 'ocsf',
      nativeId: 'det-7f3c2a90',
      title: 'LSASS Memory Access via Comsvcs MiniDump',
      observedAt: '2025-03-01T12:00:00.000Z',
      severity: { score: 95, label: 'critical', native: 'Critical' },
      rule: { id: 'sigma:646a2b7c-6a41-4c11-8ba4-4d7a6e1f2b55', category: 'Credential Access', public: true },
      product: { vendor: 'Example Security', name: 'Sentinel EDR', version: '4.2.1' },
    });
    expect(a.techniques.map((t) => t.id).sort()).toEqual(['T1003', 'T1003.001']);
    expect(a.techniques.find((t) => t.id === 'T1003.001')?.name).toBe('LSASS Memory');
    expect(a.tactics).toEqual([{ id: 'TA0006', name: 'Credential Access', known: false }]);
    expect(indicator(a, 'device.ip')).toEqual([
      { type: 'ipv4', value: '10.20.30.42', role: 'victim', field: 'device.ip' },
    ]);
    expect(indicator(a, 'device.hostname')[0]).toMatchObject({ type: 'hostname', role: 'victim' });
    expect(indicator(a, 'actor.user.email_addr')[0]).toMatchObject({ type: 'email', role: 'victim' });
    expect(indicator(a, 'actor.process.file.hashes.sha256')[0]).toMatchObject({
      type: 'sha256',
      role: 'attacker',
    });
    expect(a.entities.users[0]).toMatchObject({ name: 'k.tanaka', domain: 'CORP', field: 'actor.user' });
    expect(a.entities.processes[0]).toMatchObject({ name: 'rundll32.exe', pid: 6112, parentName: 'cmd.exe' });
    // The tenant id is victim data: kept as text for de-identification, never as an indicator.
    expect(a.texts).toContainEqual({ field: 'metadata.tenant_uid', text: 'tenant-acme-01' });
    expect(a.original.contentType).toBe('json');
  });

  it('Detection Finding (2004) from an NDR: outbound C2, URL evidence, malware, tactics[]', () => {
    const a = ok(rec(F.NDR_C2_BEACON));
    expect(a.observedAt).toBe('2025-03-01T00:15:27.120Z'); // time_dt with +09:00
    expect(a.severity).toEqual({ score: 75, label: 'high', native: 'High' });
    expect(a.techniques).toEqual([{ id: 'T1071.001', name: 'Web Protocols', known: false }]);
    expect(a.tactics).toEqual([{ id: 'TA0011', name: 'Command and Control', known: false }]);
    expect(indicator(a, 'src_endpoint.ip')[0]).toMatchObject({ value: '192.168.10.77', role: 'victim' });
    expect(indicator(a, 'dst_endpoint.ip')[0]).toMatchObject({ value: '203.0.113.45', role: 'attacker' });
    expect(indicator(a, 'dst_endpoint.hostname')[0]).toMatchObject({
      type: 'domain',
      value: 'cdn-update-check.example.net',
      role: 'attacker',
    });
    expect(indicator(a, 'evidences[0].url.url_string')).toContainEqual({
      type: 'url',
      value: 'https://cdn-update-check.example.net/api/v2/sync?id=42',
      role: 'attacker',
      field: 'evidences[0].url.url_string',
    });
    expect(a.entities.network.map((n) => n.direction)).toEqual(['outbound', 'outbound']);
    expect(a.texts).toContainEqual({ field: 'malware.name', text: 'Cobalt Strike' });
    expect(a.rule).toEqual({
      id: 'ndr-rule-5521',
      name: 'CS beacon JA3 + URI',
      category: 'Command and Control,Malware',
      public: false,
    });
  });

  it('Security Finding (2001, OCSF 1.0 `finding`): inbound exploit, CVE, epoch seconds, Fatal', () => {
    const a = ok(rec(F.SECURITY_FINDING_LOG4J));
    expect(a.title).toBe('Apache Log4j RCE Attempt');
    expect(a.observedAt).toBe('2025-03-01T00:00:00.000Z');
    expect(a.severity).toEqual({ score: 100, label: 'critical', native: 'Fatal' });
    expect(a.indicators.filter((i) => i.type === 'cve').map((i) => i.value)).toEqual([
      'CVE-2021-44228',
      'CVE-2021-44228',
    ]); // from the description and from vulnerabilities[], each with its own field
    expect(indicator(a, 'src_endpoint.ip')[0]).toMatchObject({ value: '198.51.100.201', role: 'attacker' });
    expect(indicator(a, 'dst_endpoint.ip')[0]).toMatchObject({ value: '203.0.113.10', role: 'unknown' });
    expect(a.texts).toContainEqual({ field: 'cloud.account.uid', text: '123456789012' });
    expect(a.texts.map((t) => t.field)).toContain('raw_data');
  });

  it('is deterministic: the same finding gives the same alert id', () => {
    expect(ok(rec(F.NDR_C2_BEACON)).id).toBe(ok(rec(F.NDR_C2_BEACON)).id);
  });

  it.each([
    ['Network Activity (4001)', F.NETWORK_ACTIVITY, 'UNSUPPORTED_CLASS'],
    ['Authentication (3002)', F.AUTHENTICATION, 'UNSUPPORTED_CLASS'],
    ['class_uid not an integer', { ...F.NDR_C2_BEACON, class_uid: 'finding' }, 'SCHEMA_VIOLATION'],
    ['class_uid a fraction', { ...F.NDR_C2_BEACON, class_uid: 2004.5 }, 'SCHEMA_VIOLATION'],
  ])('rejects %s', (_name, doc, reason) => {
    const o = rec(doc);
    expect(o.kind === 'rejected' && o.reason).toBe(reason);
  });

  it('the format hint wins over detection: an OCSF finding sent as ECS is judged as ECS', () => {
    const o = rec(F.EDR_CREDENTIAL_DUMPING, 'ecs');
    expect(o.kind === 'rejected' && o.reason).toBe('NOT_AN_ALERT');
  });
});

import { Alert } from '@kyoyu/contracts';
import { DEFAULT_LIMITS, normalizeRecord, parseCef, type IngestOutcome } from '../index';

const rec = (v: string | Buffer, formatHint?: string): IngestOutcome =>
  normalizeRecord({
    value: typeof v === 'string' ? Buffer.from(v, 'utf8') : v,
    sourceOrg: 'org-1',
    receivedAt: new Date('2025-03-01T00:00:00Z'),
    ...(formatHint ? { formatHint } : {}),
  });
const ok = (o: IngestOutcome): Alert => {
  if (o.kind !== 'normalized') throw new Error(`rejected ${o.reason}: ${o.detail}`);
  return Alert.parse(o.alert);
};
const reason = (o: IngestOutcome): string => (o.kind === 'rejected' ? o.reason : 'normalized');

describe('CEF', () => {
  it('unescapes \\| in the header and \\= \\\\ \\n in extensions', () => {
    const c = parseCef(
      'CEF:0|Ven\\|dor|Prod|1.0|100|name with \\| pipe|5|act=a \\= b path=C:\\\\Users\\\\bob msg=line1\\nline2 cs1Label=Rule Name cs1=R\\=1',
    )!;
    expect(c.vendor).toBe('Ven|dor');
    expect(c.name).toBe('name with | pipe');
    expect(c.ext.get('act')).toBe('a = b');
    expect(c.ext.get('path')).toBe('C:\\Users\\bob');
    expect(c.ext.get('msg')).toBe('line1\nline2');
    expect(c.custom.get('Rule Name')).toEqual({ key: 'cs1', value: 'R=1' });
  });

  it.each([
    ['<134>Sep 19 08:26:10 host-a.example.com CEF:0|V|P|1|1|n|3|src=10.0.0.1', 'host-a.example.com'],
    [
      '<134>1 2025-03-01T10:00:00Z fw01.example.org CEF - - - CEF:0|V|P|1|1|n|3|src=10.0.0.1',
      'fw01.example.org',
    ],
    ['Sep 19 08:26:10 example.com CEF:0|V|P|1|1|n|3|src=10.0.0.1', 'example.com'],
    ['Sep 10 16:03:01 172.30.0.20 ASM:CEF:0|F5|ASM|11|1|n|8|dvc=172.30.0.20', '172.30.0.20'],
    ['CEF:0|V|P|1|1|n|3|', undefined],
  ])('syslog header variant %#', (line, host) => {
    const c = parseCef(line)!;
    expect(c).toBeDefined();
    expect(c.syslogHost).toBe(host);
    ok(rec(line));
  });

  it('keeps UTF-8 payloads and maps roles, severity and custom labels', () => {
    const a = ok(
      rec(
        'CEF:0|Trend Micro|Deep Security Agent|20|4000000|マルウェア検出 Eicar|Very-High|src=203.0.113.9 dst=10.1.2.3 deviceDirection=0 suser=桜\\\\山田 cs1Label=MITRE Technique cs1=T1059.001,attack.t1486 fileHash=44d88612fea8a8f36de82e1278abb02f',
      ),
    );
    expect(a.title).toBe('マルウェア検出 Eicar');
    expect(a.severity).toEqual({ score: 95, label: 'critical', native: 'Very-High' });
    expect(a.techniques.map((t) => t.id)).toEqual(['T1059.001', 'T1486']);
    expect(a.indicators).toContainEqual({
      type: 'ipv4',
      value: '203.0.113.9',
      role: 'attacker',
      field: 'src',
    });
    expect(a.indicators).toContainEqual({ type: 'ipv4', value: '10.1.2.3', role: 'victim', field: 'dst' });
    expect(a.indicators).toContainEqual({
      type: 'md5',
      value: '44d88612fea8a8f36de82e1278abb02f',
      role: 'attacker',
      field: 'file.md5',
    });
    expect(a.entities.users[0]?.name).toBe('桜\\山田');
    expect(a.original.contentType).toBe('text');
  });

  it('rejects malformed CEF and non-CEF text', () => {
    expect(reason(rec('CEF:0|only|three|'))).toBe('MALFORMED_CEF');
    expect(reason(rec('hello world'))).toBe('UNKNOWN_FORMAT');
    expect(reason(rec('{"a":1}', 'cef'))).toBe('MALFORMED_CEF');
  });
});

const ocsf = (cls: number): string =>
  JSON.stringify({
    class_uid: cls,
    time: 1740787200000,
    severity_id: 4,
    metadata: { uid: 'm-1', product: { name: 'Defender', vendor_name: 'Microsoft' }, tenant_uid: 'tenant-9' },
    finding_info: {
      uid: 'f-1',
      title: 'Credential dumping',
      attacks: [
        { technique: { uid: 'T1003' }, sub_technique: { uid: 'T1003.001' }, tactic: { uid: 'TA0006' } },
      ],
    },
    device: { hostname: 'ws-01.corp.example', ip: '10.0.0.5' },
    actor: { user: { name: 'alice', email_addr: 'alice@corp.example' } },
    src_endpoint: { ip: '10.0.0.5' },
    dst_endpoint: { ip: '198.51.100.66', hostname: 'evil.example.net' },
    vulnerabilities: [{ cve: { uid: 'cve-2021-44228' } }],
  });

describe('OCSF', () => {
  it.each([2004, 2001])('maps class %i', (cls) => {
    const a = ok(rec(ocsf(cls)));
    expect(a.format).toBe('ocsf');
    expect(a.nativeId).toBe('m-1');
    expect(a.observedAt).toBe('2025-03-01T00:00:00.000Z');
    expect(a.severity.score).toBe(75);
    expect(a.techniques.map((t) => t.id)).toEqual(['T1003', 'T1003.001']);
    expect(a.tactics).toEqual([{ id: 'TA0006', known: false }]);
    expect(a.indicators).toContainEqual({
      type: 'ipv4',
      value: '198.51.100.66',
      role: 'attacker',
      field: 'dst_endpoint.ip',
    });
    expect(a.indicators).toContainEqual({
      type: 'cve',
      value: 'CVE-2021-44228',
      role: 'attacker',
      field: 'vulnerabilities.cve.uid',
    });
    expect(a.entities.users[0]).toMatchObject({ name: 'alice' });
  });
  it('rejects other classes', () => {
    expect(reason(rec(ocsf(4001)))).toBe('UNSUPPORTED_CLASS');
  });
  it('is deterministic: same org + native id → same alert id', () => {
    expect(ok(rec(ocsf(2004))).id).toBe(ok(rec(ocsf(2004))).id);
  });
});

describe('ECS', () => {
  it('rejects non-alert kinds', () => {
    expect(
      reason(rec(JSON.stringify({ '@timestamp': '2025-03-01T00:00:00Z', event: { kind: 'event' } }))),
    ).toBe('NOT_AN_ALERT');
  });
  it('reads flat kibana.alert.* fields and Sigma tags', () => {
    const a = ok(
      rec(
        JSON.stringify({
          '@timestamp': '2025-03-01T00:00:00Z',
          'event.kind': 'signal',
          'kibana.alert.rule.name': 'Encoded PowerShell',
          'kibana.alert.risk_score': 73,
          'kibana.alert.rule.tags': ['attack.t1059.001', 'attack.execution'],
          'source.ip': '203.0.113.5',
          'destination.ip': '192.168.1.10',
        }),
      ),
    );
    expect(a.title).toBe('Encoded PowerShell');
    expect(a.techniques.map((t) => t.id)).toEqual(['T1059.001']);
    expect(a.severity.score).toBe(73);
    expect(a.indicators).toContainEqual({
      type: 'ipv4',
      value: '203.0.113.5',
      role: 'attacker',
      field: 'source.ip',
    });
  });
});

describe('Suricata', () => {
  it('non-alert event types → NOT_AN_ALERT; hint overrides detection', () => {
    expect(reason(rec('{"event_type":"dns","src_ip":"10.0.0.1"}'))).toBe('NOT_AN_ALERT');
    expect(reason(rec('{"event_type":"stats","timestamp":"x"}', 'suricata'))).toBe('NOT_AN_ALERT');
    expect(reason(rec('{"a":1}', 'splunk'))).toBe('UNKNOWN_FORMAT');
  });
  it('http.hostname of an inbound alert is the victim web server', () => {
    const a = ok(
      rec(
        JSON.stringify({
          event_type: 'alert',
          src_ip: '198.51.100.3',
          src_port: 50000,
          dest_ip: '10.0.0.8',
          dest_port: 80,
          alert: { signature_id: 2034647, signature: 'ET EXPLOIT Log4j', severity: 1 },
          http: { hostname: 'www.victim.example', url: '/x' },
        }),
      ),
    );
    expect(a.indicators).toContainEqual({
      type: 'domain',
      value: 'www.victim.example',
      role: 'victim',
      field: 'http.hostname',
    });
    expect(a.indicators).toContainEqual({
      type: 'ipv4',
      value: '198.51.100.3',
      role: 'attacker',
      field: 'src_ip',
    });
  });
});

describe('safe JSON boundary', () => {
  const L = { ...DEFAULT_LIMITS, maxRecordBytes: 4096, maxDepth: 8, maxFields: 20, maxStringLength: 50 };
  const r = (v: string | Buffer): string => {
    const o = normalizeRecord(
      { value: typeof v === 'string' ? Buffer.from(v) : v, sourceOrg: 'o', receivedAt: new Date() },
      { limits: L },
    );
    return o.kind === 'rejected' ? o.reason : 'normalized';
  };
  it.each([
    ['x'.repeat(5000), 'TOO_LARGE'],
    ['   \n', 'EMPTY_RECORD'],
    [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'INVALID_UTF8'],
    ['{"event_type":"alert","src_ip":"1.2.3.4"', 'MALFORMED_JSON'],
    ['{"a":}', 'MALFORMED_JSON'],
    ['[[[[[[[[[[1]]]]]]]]]]', 'TOO_DEEP'],
    [`{${Array.from({ length: 30 }, (_, i) => `"k${i}":1`).join(',')}}`, 'TOO_MANY_FIELDS'],
    [`{"a":"${'y'.repeat(60)}"}`, 'STRING_TOO_LONG'],
    ['{"n":9007199254740993,"event_type":"alert","src_ip":"1.2.3.4"}', 'UNSAFE_NUMBER'],
    ['{"a":1,"a":2}', 'DUPLICATE_KEY'],
    ['{"a":1,"\\u0061":2}', 'DUPLICATE_KEY'],
  ])('%#: %s → %s', (input, expected) => expect(r(input)).toBe(expected));

  it('__proto__ / constructor keys cannot pollute: parsed into null-prototype objects', () => {
    const o = rec(
      '{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}},"event_type":"alert","src_ip":"10.0.0.1","alert":{"signature":"t"}}',
    );
    ok(o);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('x');
  });
});

describe('Wazuh', () => {
  const wazuh = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      timestamp: '2025-03-01T09:00:00.000+0900',
      rule: {
        level: 12,
        description: 'sshd: brute force trying to get access to the system.',
        id: '5712',
        groups: ['syslog', 'sshd', 'authentication_failures'],
        mitre: { id: ['T1110'], tactic: ['Credential Access'], technique: ['Brute Force'] },
      },
      agent: { id: '003', name: 'web-01', ip: '10.1.2.3' },
      manager: { name: 'wazuh-manager' },
      id: '1740787200.12345',
      data: { srcip: '198.51.100.23', srcuser: 'root' },
      full_log:
        'Mar  1 09:00:00 web-01 sshd[123]: Failed password for root from 198.51.100.23 port 4711 ssh2',
      ...extra,
    });

  it('maps level, MITRE, public rule, victim agent and the attacking srcip', () => {
    const a = ok(rec(wazuh()));
    expect(a.format).toBe('wazuh');
    expect(a.nativeId).toBe('1740787200.12345');
    expect(a.observedAt).toBe('2025-03-01T00:00:00.000Z');
    expect(a.severity).toEqual({ score: 80, label: 'high', native: 12 });
    expect(a.techniques).toEqual([{ id: 'T1110', name: 'Brute Force', known: false }]);
    expect(a.tactics).toEqual([{ shortname: 'credential-access', name: 'Credential Access', known: false }]);
    expect(a.rule).toEqual({
      id: '5712',
      name: 'sshd: brute force trying to get access to the system.',
      category: 'syslog,sshd,authentication_failures',
      public: true,
    });
    expect(a.indicators).toContainEqual({
      type: 'ipv4',
      value: '10.1.2.3',
      role: 'victim',
      field: 'agent.ip',
    });
    expect(a.indicators).toContainEqual({
      type: 'ipv4',
      value: '198.51.100.23',
      role: 'attacker',
      field: 'data.srcip',
    });
    expect(a.entities.users).toContainEqual({ name: 'root', field: 'data.srcuser' });
  });

  it('a customer rule id (100000–120000) is private', () => {
    expect(ok(rec(wazuh({ rule: { level: 3, id: '100200', description: 'local' } }))).rule?.public).toBe(
      false,
    );
  });

  it('an OpenSearch hit: the alert is _source, the native id is _id', () => {
    const a = ok(
      rec(JSON.stringify({ _index: 'wazuh-alerts-4.x', _id: 'hit-1', _source: JSON.parse(wazuh()) })),
    );
    expect(a.nativeId).toBe('hit-1');
  });

  it('file integrity hashes describe the victim’s own files: role unknown', () => {
    const a = ok(
      rec(
        wazuh({
          syscheck: {
            path: '/etc/passwd',
            md5_after: 'd41d8cd98f00b204e9800998ecf8427e',
            uname_after: 'root',
          },
        }),
      ),
    );
    expect(a.indicators).toContainEqual({
      type: 'md5',
      value: 'd41d8cd98f00b204e9800998ecf8427e',
      role: 'unknown',
      field: 'syscheck.md5_after',
    });
    expect(a.indicators).toContainEqual(expect.objectContaining({ type: 'file-path', role: 'victim' }));
  });

  it('GuardDuty remote addresses forwarded by Wazuh are attackers', () => {
    const aws = {
      service: { action: { networkConnectionAction: { remoteIpDetails: { ipAddressV4: '203.0.113.77' } } } },
      title: 'Trojan:EC2/DNSDataExfiltration',
    };
    const a = ok(rec(wazuh({ data: { aws } })));
    expect(a.indicators).toContainEqual(expect.objectContaining({ value: '203.0.113.77', role: 'attacker' }));
  });

  it('named as wazuh but without a rule → SCHEMA_VIOLATION; without agent/manager/decoder → not detected', () => {
    expect(reason(rec('{"agent":{"name":"x"}}', 'wazuh'))).toBe('SCHEMA_VIOLATION');
    expect(reason(rec('{"rule":{"level":3}}'))).toBe('UNKNOWN_FORMAT');
  });
});

import { Alert, RejectReason } from '@kyoyu/contracts';
import { buildAttackCatalogue, normalizeRecord, type AttackCatalogue } from '../index';
import * as S from '../testing/samples';

/*
 * Every record of every sample file ends in exactly one outcome; counts per file are asserted.
 * Documented rejections in the corpus:
 *  - Suricata non-alert event types → NOT_AN_ALERT; `stats` events carry neither src_ip nor flow_id,
 *    so detection cannot tell them from other JSON → UNKNOWN_FORMAT (as the detection order says);
 *    24 real `smb` events from Suricata repeat `tree_id` → DUPLICATE_KEY; empty trailing lines → EMPTY_RECORD.
 *  - ECS documents whose event.kind is not alert/signal → NOT_AN_ALERT (incl. SentinelOne
 *    integration output, which ships alerts as kind `event`); two Elastic Defend events carry
 *    integers beyond 2^53 → UNSAFE_NUMBER (checked before the kind); the raw SentinelOne API input
 *    (not ECS) → UNKNOWN_FORMAT; the Elastic Defend security event repeats `user` → DUPLICATE_KEY.
 *  - Not records: suricata-eve-schema.json, wazuh/schemas/*, attack/*, SOURCES.md.
 */
type Counts = Partial<Record<'normalized' | RejectReason, number>>;
const d = S.samplesPresent() ? describe : describe.skip;

const EXPECTED: [string, () => S.SampleRecord[], Counts][] = [
  [
    'suricata/beats-eve-alerts.log',
    () => S.ndjson('suricata/beats-eve-alerts.log'),
    { normalized: 21, NOT_AN_ALERT: 1, EMPTY_RECORD: 1 },
  ],
  [
    'suricata/integrations-test-eve-metadata.log',
    () => S.ndjson('suricata/integrations-test-eve-metadata.log'),
    { normalized: 1 },
  ],
  [
    'suricata/integrations-test-eve-small.log',
    () => S.ndjson('suricata/integrations-test-eve-small.log'),
    { normalized: 1, NOT_AN_ALERT: 10, UNKNOWN_FORMAT: 1 },
  ],
  [
    'suricata/sunnystation-2022-02-23-eve.json',
    () => S.ndjson('suricata/sunnystation-2022-02-23-eve.json'),
    { normalized: 121, NOT_AN_ALERT: 2179, DUPLICATE_KEY: 24, UNKNOWN_FORMAT: 1 },
  ],
  ['wazuh/wazuh-sample-alerts.json', () => S.ndjson('wazuh/wazuh-sample-alerts.json'), { normalized: 1124 }],
  [
    'wazuh/wazuh-indexer-wazuh-event.sample.json',
    () => S.rawFile('wazuh/wazuh-indexer-wazuh-event.sample.json'),
    { normalized: 1 },
  ],
  [
    'ecs/crowdstrike/alert.sample_event.json',
    () => S.rawFile('ecs/crowdstrike/alert.sample_event.json'),
    { normalized: 1 },
  ],
  [
    'ecs/elastic-endpoint/alerts.sample_event.json',
    () => S.rawFile('ecs/elastic-endpoint/alerts.sample_event.json'),
    { normalized: 1 },
  ],
  [
    'ecs/elastic-endpoint/network.sample_event.json',
    () => S.rawFile('ecs/elastic-endpoint/network.sample_event.json'),
    { UNSAFE_NUMBER: 1 },
  ],
  [
    'ecs/elastic-endpoint/process.sample_event.json',
    () => S.rawFile('ecs/elastic-endpoint/process.sample_event.json'),
    { UNSAFE_NUMBER: 1 },
  ],
  [
    'ecs/elastic-endpoint/security.sample_event.json',
    () => S.rawFile('ecs/elastic-endpoint/security.sample_event.json'),
    { DUPLICATE_KEY: 1 },
  ],
  [
    'ecs/sentinel_one/test-pipeline-alert.log',
    () => S.ndjson('ecs/sentinel_one/test-pipeline-alert.log'),
    { UNKNOWN_FORMAT: 3 },
  ],
  [
    'ecs/sentinel_one/test-pipeline-alert.log-expected.json',
    () => S.jsonDocs('ecs/sentinel_one/test-pipeline-alert.log-expected.json'),
    { NOT_AN_ALERT: 3 },
  ],
  ['cef/beats-checkpoint.log', () => S.ndjson('cef/beats-checkpoint.log'), { normalized: 3 }],
  [
    'cef/beats-fp-ngfw-smc.log',
    () => S.ndjson('cef/beats-fp-ngfw-smc.log'),
    { normalized: 10, EMPTY_RECORD: 3 },
  ],
  ['cef/integrations-test-cef.log', () => S.ndjson('cef/integrations-test-cef.log'), { normalized: 4 }],
  [
    'cef/integrations-test-trend-micro.json',
    () => S.trendMicroCef('cef/integrations-test-trend-micro.json'),
    { normalized: 0 },
  ],
];

d('real samples (../shared/samples)', () => {
  let catalogue: AttackCatalogue;
  beforeAll(() => {
    const c = S.attackCatalogueJson();
    catalogue = buildAttackCatalogue(c.techniques, c.tactics);
  });

  const run = (recs: S.SampleRecord[]): { counts: Counts; alerts: Alert[] } => {
    const counts: Counts = {};
    const alerts: Alert[] = [];
    for (const r of recs) {
      const o = normalizeRecord(
        { value: r.value, sourceOrg: 'org-sample', receivedAt: new Date('2025-01-01T00:00:00Z') },
        { catalogue },
      );
      const k = o.kind === 'normalized' ? 'normalized' : o.reason;
      counts[k] = (counts[k] ?? 0) + 1;
      if (o.kind === 'normalized') alerts.push(Alert.parse(o.alert));
      else expect(RejectReason.options).toContain(o.reason);
    }
    return { counts, alerts };
  };

  it.each(EXPECTED)('%s', (_f, load, expected) => {
    const recs = load();
    const { counts, alerts } = run(recs);
    if (expected.normalized === 0) {
      expect(counts.normalized).toBe(recs.length); // every record of the file
    } else expect(counts).toEqual(expected);
    for (const a of alerts) expect(a.title.length).toBeGreaterThan(0);
  });

  it('remaining ECS documents are non-alerts', () => {
    const files = S.listFiles('ecs', (n) => n.endsWith('.json')).filter(
      (f) => !EXPECTED.some(([e]) => e === f),
    );
    expect(files.length).toBeGreaterThan(15);
    for (const f of files) {
      const { counts } = run(f.endsWith('-expected.json') ? S.jsonDocs(f) : S.rawFile(f));
      expect(Object.keys(counts)).toEqual(['NOT_AN_ALERT']);
    }
  });

  it('every graylog CEF fixture normalizes', () => {
    const files = S.listFiles('cef/graylog-plugin-cef-fixtures', (n) => n.endsWith('.json'));
    expect(files).toHaveLength(36);
    for (const f of files) expect(run(S.graylogCef(f)).counts).toEqual({ normalized: 1 });
  });

  it('maps ATT&CK, roles and rules from the real records', () => {
    const meta = run(S.ndjson('suricata/integrations-test-eve-metadata.log')).alerts[0]!;
    expect(meta.techniques).toEqual([
      { id: 'T1190', name: 'Exploit Public-Facing Application', known: true },
    ]);
    expect(meta.indicators).toContainEqual({
      type: 'ipv4',
      value: '52.222.141.99',
      role: 'attacker',
      field: 'src_ip',
    });
    expect(meta.indicators).toContainEqual({
      type: 'ipv4',
      value: '10.31.64.240',
      role: 'victim',
      field: 'dest_ip',
    });
    expect(meta.rule).toMatchObject({ id: '1:2100498', public: true });
    expect(meta.severity).toMatchObject({ score: 60, native: 2 });

    const shell = run(S.rawFile('wazuh/wazuh-indexer-wazuh-event.sample.json')).alerts[0]!;
    expect(shell.techniques.map((t) => t.id)).toEqual(['T1068', 'T1190']);
    expect(shell.tactics.map((t) => t.id)).toEqual(['TA0004', 'TA0001']);
    expect(shell.indicators).toContainEqual(expect.objectContaining({ type: 'cve', value: 'CVE-2014-6271' }));
    expect(shell.indicators).toContainEqual({
      type: 'ipv4',
      value: '000.111.222.10',
      role: 'attacker',
      field: 'data.srcip',
    });
    expect(shell.observedAt).toBe('2024-02-08T14:35:14.334Z');
    expect(shell.texts.map((t) => t.field)).toContain('full_log');

    const wz = run(S.ndjson('wazuh/wazuh-sample-alerts.json').slice(0, 1)).alerts[0]!;
    expect(wz.observedAt).toBe('2025-01-01T00:00:00.000Z'); // "{timestamp}" placeholder → receivedAt

    const dridex = run(S.ndjson('suricata/sunnystation-2022-02-23-eve.json')).alerts.find((a) =>
      /JA3/.test(a.title),
    )!;
    expect(dridex.indicators.some((i) => i.type === 'ja3' && i.role === 'attacker')).toBe(true);

    const edr = run(S.rawFile('ecs/elastic-endpoint/alerts.sample_event.json')).alerts[0]!;
    expect(edr.rule?.public).toBe(true);
    expect(edr.entities.hosts.length).toBeGreaterThan(0);
    expect(edr.severity.score).toBe(73);
  });
});

import { Alert, RejectReason } from '@kyoyu/contracts';
import { buildAttackCatalogue, normalizeRecord, type AttackCatalogue } from '../index';
import * as S from '../testing/samples';

/*
 * Every record of every sample file ends in exactly one outcome; counts per file are asserted, one test
 * per file, and a coverage test proves no data file of the corpus is left out.
 * Documented rejections in the corpus (the `why` of each entry says which applies):
 *  - Suricata non-alert event types → NOT_AN_ALERT; `stats` events carry neither src_ip nor flow_id,
 *    so detection cannot tell them from other JSON → UNKNOWN_FORMAT (as the detection order says);
 *    24 real `smb` events from Suricata repeat `tree_id` → DUPLICATE_KEY; empty trailing lines → EMPTY_RECORD.
 *  - ECS documents whose event.kind is not alert/signal → NOT_AN_ALERT (incl. SentinelOne
 *    integration output, which ships alerts as kind `event`); two Elastic Defend events carry
 *    integers beyond 2^53 → UNSAFE_NUMBER (checked before the kind); the raw SentinelOne API input
 *    (not ECS) → UNKNOWN_FORMAT; the Elastic Defend security event repeats `user` → DUPLICATE_KEY.
 *  - Windows (Mordor) event logs are host telemetry in the NXLog shape, none of the five alert formats:
 *    lines with `@timestamp` look like ECS without an alert kind → NOT_AN_ALERT, lines without it →
 *    UNKNOWN_FORMAT; the Covenant dataset's `Keywords: -9223372036854775808` → UNSAFE_NUMBER.
 *  - JSON schemas and index templates (suricata-eve-schema.json, wazuh/schemas/*) and the dataset
 *    metadata YAML (windows/metadata/*) are fed as records too → UNKNOWN_FORMAT.
 *  - Not fed: SOURCES.md (provenance text), attack/* (the catalogue), stix/* (the fanout stage's corpus).
 */
type Counts = Partial<Record<'normalized' | RejectReason, number>>;
const d = S.samplesPresent() ? describe : describe.skip;
type Entry = [file: string, load: (rel: string) => S.SampleRecord[], counts: Counts, why: string];

const ALERTS = 'alerts normalize';
const NON_ALERT_ECS = 'ECS events whose event.kind is not alert/signal';

const EXPECTED: Entry[] = [
  [
    'suricata/beats-eve-alerts.log',
    S.ndjson,
    { normalized: 21, NOT_AN_ALERT: 1, EMPTY_RECORD: 1 },
    'one non-alert event, one empty line',
  ],
  ['suricata/integrations-test-eve-metadata.log', S.ndjson, { normalized: 1 }, ALERTS],
  [
    'suricata/integrations-test-eve-small.log',
    S.ndjson,
    { normalized: 1, NOT_AN_ALERT: 10, UNKNOWN_FORMAT: 1 },
    'non-alert event types; one stats event',
  ],
  [
    'suricata/sunnystation-2022-02-23-eve.json',
    S.ndjson,
    { normalized: 121, NOT_AN_ALERT: 2179, DUPLICATE_KEY: 24, UNKNOWN_FORMAT: 1 },
    'non-alert event types; smb events repeating tree_id; one stats event',
  ],
  ['suricata/suricata-eve-schema.json', S.rawFile, { UNKNOWN_FORMAT: 1 }, 'a JSON schema, not an event'],
  ['wazuh/wazuh-sample-alerts.json', S.ndjson, { normalized: 1124 }, ALERTS],
  ['wazuh/wazuh-indexer-wazuh-event.sample.json', S.rawFile, { normalized: 1 }, 'an OpenSearch hit'],
  ['wazuh/schemas/wazuh-qa-analysis_alert.json', S.rawFile, { UNKNOWN_FORMAT: 1 }, 'a JSON schema'],
  ['wazuh/schemas/wazuh-qa-analysis_alert_windows.json', S.rawFile, { UNKNOWN_FORMAT: 1 }, 'a JSON schema'],
  ['wazuh/schemas/wazuh-qa-mitre_event.json', S.rawFile, { UNKNOWN_FORMAT: 1 }, 'a JSON schema'],
  ['wazuh/schemas/wazuh-template-4.14.7.json', S.rawFile, { UNKNOWN_FORMAT: 1 }, 'an index template'],
  ['ecs/crowdstrike/alert.sample_event.json', S.rawFile, { normalized: 1 }, ALERTS],
  ['ecs/crowdstrike/falcon.sample_event.json', S.rawFile, { NOT_AN_ALERT: 1 }, NON_ALERT_ECS],
  ['ecs/elastic-endpoint/alerts.sample_event.json', S.rawFile, { normalized: 1 }, ALERTS],
  ['ecs/elastic-endpoint/api.sample_event.json', S.rawFile, { NOT_AN_ALERT: 1 }, NON_ALERT_ECS],
  ['ecs/elastic-endpoint/file.sample_event.json', S.rawFile, { NOT_AN_ALERT: 1 }, NON_ALERT_ECS],
  ['ecs/elastic-endpoint/library.sample_event.json', S.rawFile, { NOT_AN_ALERT: 1 }, NON_ALERT_ECS],
  ['ecs/elastic-endpoint/registry.sample_event.json', S.rawFile, { NOT_AN_ALERT: 1 }, NON_ALERT_ECS],
  ['ecs/elastic-endpoint/network.sample_event.json', S.rawFile, { UNSAFE_NUMBER: 1 }, 'integer beyond 2^53'],
  ['ecs/elastic-endpoint/process.sample_event.json', S.rawFile, { UNSAFE_NUMBER: 1 }, 'integer beyond 2^53'],
  ['ecs/elastic-endpoint/security.sample_event.json', S.rawFile, { DUPLICATE_KEY: 1 }, 'repeats `user`'],
  [
    'ecs/sentinel_one/alert.sample_event.json',
    S.rawFile,
    { NOT_AN_ALERT: 1 },
    'SentinelOne ships kind `event`',
  ],
  ['ecs/sentinel_one/test-pipeline-alert.log', S.ndjson, { UNKNOWN_FORMAT: 3 }, 'raw SentinelOne API input'],
  [
    'ecs/sentinel_one/test-pipeline-alert.log-expected.json',
    S.jsonDocs,
    { NOT_AN_ALERT: 3 },
    'SentinelOne ships kind `event`',
  ],
  [
    'ecs/threat_intel/ti_anomali.threatstream.sample_event.json',
    S.rawFile,
    { NOT_AN_ALERT: 1 },
    NON_ALERT_ECS,
  ],
  ['ecs/threat_intel/ti_misp.threat.sample_event.json', S.rawFile, { NOT_AN_ALERT: 1 }, NON_ALERT_ECS],
  ['ecs/windows_security/sample_event.json', S.rawFile, { NOT_AN_ALERT: 1 }, NON_ALERT_ECS],
  ...(
    [
      ['test-security-windows2016-4722-account-enabled', 2],
      ['test-security-windows2016-4723-password-change', 2],
      ['test-security-windows2016-4724-password-reset', 2],
      ['test-security-windows2016-4725-account-disabled', 2],
      ['test-security-windows2016-4726-account-deleted', 2],
      ['test-security-windows2016-4738-account-changed', 1],
      ['test-security-windows2016-4740-account-locked-out', 1],
      ['test-security-windows2016-4767-account-unlocked', 1],
      ['test-security-windows2016-4781-account-renamed', 2],
      ['test-security-windows2016-logoff', 2],
      ['test-security-windows2019-4688-process-created', 1],
      ['test-security-windows2019-4689-process-exited', 3],
      ['test-unknown', 1],
    ] as const
  ).map(([name, n]): Entry => [
    `ecs/windows_security/${name}.json-expected.json`,
    S.jsonDocs,
    { NOT_AN_ALERT: n },
    NON_ALERT_ECS,
  ]),
  ['cef/beats-checkpoint.log', S.ndjson, { normalized: 3 }, ALERTS],
  ['cef/beats-fp-ngfw-smc.log', S.ndjson, { normalized: 10, EMPTY_RECORD: 3 }, 'three empty lines'],
  ['cef/integrations-test-cef.log', S.ndjson, { normalized: 4 }, ALERTS],
  [
    'cef/integrations-test-trend-micro.json',
    S.trendMicroCef,
    { normalized: 0 },
    'every event.original normalizes',
  ],
  [
    'windows/cmd_lsass_memory_dumpert_syscalls_2020-10-1822561997.json',
    S.ndjson,
    { UNKNOWN_FORMAT: 118 },
    'Windows events without @timestamp: no alert format',
  ],
  [
    'windows/cmd_sharpview_pcre_net_2020-10-2920232423.json',
    S.ndjson,
    { NOT_AN_ALERT: 267 },
    'Windows events with @timestamp: ECS-like, not alerts',
  ],
  [
    'windows/covenant_copy_smb_CreateRequest_2020-09-22145302.json',
    S.ndjson,
    { UNSAFE_NUMBER: 506 },
    'Keywords -9223372036854775808 in every event',
  ],
  [
    'windows/psh_powershell_httplistener_2020-11-0204130683.json',
    S.ndjson,
    { NOT_AN_ALERT: 110 },
    'Windows events with @timestamp: ECS-like, not alerts',
  ],
  ...['SDWIN-200806015757', 'SDWIN-201018225619', 'SDWIN-201029202324', 'SDWIN-201102041306'].map(
    (n): Entry => [`windows/metadata/${n}.yaml`, S.rawFile, { UNKNOWN_FORMAT: 1 }, 'dataset metadata YAML'],
  ),
];
/** Every Graylog fixture is one CEF line that normalizes; listed from the folder, one test each. */
const GRAYLOG_DIR = 'cef/graylog-plugin-cef-fixtures';
const FED_FOLDERS = ['suricata', 'wazuh', 'ecs', 'cef', 'windows'];

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

  it.each(EXPECTED.map(([file, load, counts, why]) => ({ file, load, counts, why })))(
    '$file: $why',
    ({ file, load, counts: expected }) => {
      const recs = load(file);
      expect(recs.length).toBeGreaterThan(0);
      const { counts, alerts } = run(recs);
      if (expected.normalized === 0) {
        expect(counts).toEqual({ normalized: recs.length }); // every record of the file
      } else expect(counts).toEqual(expected);
      for (const a of alerts) expect(a.title.length).toBeGreaterThan(0);
    },
  );

  // Listed at collection time; a placeholder keeps `it.each` non-empty when the corpus is absent.
  const graylog = S.samplesPresent() ? S.listFiles(GRAYLOG_DIR, (n) => n.endsWith('.json')) : ['(absent)'];
  it.each(graylog)('%s: one CEF line that normalizes', (file) => {
    expect(run(S.graylogCef(file)).counts).toEqual({ normalized: 1 });
  });

  it('covers every data file of the fed folders (36 Graylog fixtures + the list above)', () => {
    expect(graylog).toHaveLength(36);
    const listed = new Set([...EXPECTED.map(([f]) => f), ...graylog]);
    const all = FED_FOLDERS.flatMap((dir) => S.listFiles(dir, (n) => n !== 'SOURCES.md'));
    expect(all.filter((f) => !listed.has(f))).toEqual([]);
    expect([...listed].filter((f) => !all.includes(f))).toEqual([]);
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

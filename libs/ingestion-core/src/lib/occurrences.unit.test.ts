import { Alert } from '@kyoyu/contracts';
import { normalizeRecord } from '../index';
import { EDR_CREDENTIAL_DUMPING } from '../testing/ocsf-fixtures';

/** The native repeat count each format carries, kept exact in the canonical alert (bucketed later). */
function occurrences(record: string | object): number | undefined {
  const value = Buffer.from(typeof record === 'string' ? record : JSON.stringify(record), 'utf8');
  const o = normalizeRecord({ value, sourceOrg: 'org-1', receivedAt: new Date('2026-03-01T00:00:00Z') });
  if (o.kind !== 'normalized') throw new Error(`rejected ${o.reason}`);
  return Alert.parse(o.alert).occurrences;
}

const wazuh = (firedtimes: unknown) => ({
  timestamp: '2026-03-01T10:00:00.000+0000',
  rule: {
    level: 10,
    description: 'Multiple authentication failures',
    id: '5712',
    firedtimes,
    groups: ['sshd'],
  },
  agent: { id: '001', name: 'web-1' },
  manager: { name: 'wazuh' },
  id: '1740823200.12345',
  full_log: 'sshd[1]: Failed password for invalid user admin from 203.0.113.5 port 4242 ssh2',
});

const ecs = (count: unknown) => ({
  '@timestamp': '2026-03-01T10:00:00.000Z',
  event: { kind: 'signal' },
  kibana: { alert: { rule: { name: 'Brute force' }, risk_score: 47, threshold_result: { count } } },
  source: { ip: '203.0.113.5' },
});

describe('occurrences', () => {
  it.each([
    ['CEF cnt', 'CEF:0|Vendor|IPS|1.0|100|Port scan|5|src=203.0.113.5 cnt=42', 42],
    ['Wazuh rule.firedtimes', wazuh(7), 7],
    ['OCSF count', { ...EDR_CREDENTIAL_DUMPING, count: 3 }, 3],
    ['Elastic threshold count', ecs(120), 120],
  ])('reads %s', (_name, record, expected) => {
    expect(occurrences(record)).toBe(expected);
  });

  it.each([
    ['zero', 'CEF:0|Vendor|IPS|1.0|100|Port scan|5|src=203.0.113.5 cnt=0'],
    ['negative', 'CEF:0|Vendor|IPS|1.0|100|Port scan|5|src=203.0.113.5 cnt=-4'],
    ['not a number', 'CEF:0|Vendor|IPS|1.0|100|Port scan|5|src=203.0.113.5 cnt=many'],
    ['fractional', wazuh(2.5)],
    ['beyond 2^53', ecs('18014398509481984')],
    ['absent', { ...EDR_CREDENTIAL_DUMPING }],
  ])('ignores a count that is %s, and still normalizes the alert', (_name, record) => {
    expect(occurrences(record)).toBeUndefined();
  });
});

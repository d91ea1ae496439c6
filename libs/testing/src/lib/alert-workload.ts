import { randomBytes } from 'node:crypto';
import { DEMO_CUSTOMERS, registryEntryFor, simulateAlerts, type SimCustomer } from '@kyoyu/simulator';

/** One record a test or benchmark writes to the raw topic, with what it expects to become of it. */
export interface WorkloadRecord {
  key: string;
  value: string | Buffer;
  sourceOrg: string;
  /**
   * Unique per record and present in its bytes (and, for a good alert, in every bundle made from it):
   * the attacker address of a simulated alert, a `kyoyu-mark-…` token in a bad one.
   */
  marker: string;
  kind: 'auto' | 'review' | 'bad' | 'hostile-valid';
  /** For `bad`: the reason code ingestion must reject it with. */
  expectReason?: string;
}

/**
 * A public address unique to (run, n): a realistic attacker indicator that survives de-identification,
 * so end-to-end latency and delivery can be traced from a bundle without pipeline headers.
 */
export function markerIp(run: number, n: number): string {
  return `45.${run & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * Simulated alerts (all five formats) whose attacker address is replaced by a unique marker. `run`
 * (0–255) keeps markers of different runs apart; at most 65 536 alerts per run.
 */
export function markedAlerts(opts: {
  seed: number;
  count: number;
  run: number;
  customers?: SimCustomer[];
  offset?: number;
}): WorkloadRecord[] {
  const customers = opts.customers ?? DEMO_CUSTOMERS;
  const auto = new Set(customers.filter((c) => registryEntryFor(c).agreement.autoRelease).map((c) => c.id));
  const out: WorkloadRecord[] = [];
  let n = opts.offset ?? 0;
  for (const a of simulateAlerts({ seed: opts.seed, count: opts.count, customers })) {
    const marker = markerIp(opts.run, n++);
    let value = a.value;
    for (const ip of a.truth.attackerIndicators) {
      if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) value = value.split(ip).join(marker);
    }
    out.push({
      key: a.sourceOrg,
      value,
      sourceOrg: a.sourceOrg,
      marker,
      kind: auto.has(a.sourceOrg) ? 'auto' : 'review',
    });
  }
  return out;
}

/** Everything that identifies the simulated victims: none of it may appear in anything delivered. */
export function victimIdentifiers(customers: SimCustomer[] = DEMO_CUSTOMERS): string[] {
  const ids = new Set<string>();
  for (const c of customers) {
    for (const v of [c.id, c.domain, c.netbios, ...c.names, ...c.users, ...c.hosts]) ids.add(v);
  }
  return [...ids];
}

/** Victim identifiers found in a delivered text (names case-insensitively, internal addresses exactly). */
export function leakedIdentifiers(text: string, identifiers: readonly string[], customers = DEMO_CUSTOMERS) {
  const lower = text.toLowerCase();
  const found = identifiers.filter((id) => lower.includes(id.toLowerCase()));
  for (const c of customers) {
    // An internal address of the customer (its internal prefix followed by more octets).
    const prefix = c.internalCidrPrefix.replace(/\./g, '\\.');
    const m = new RegExp(`(?<![\\d.])${prefix}\\d{1,3}(?:\\.\\d{1,3})?(?![\\d])`).exec(text);
    if (m) found.push(m[0]);
  }
  return found;
}

/** Limits a hostile run configures for ingestion, so oversized records stay cheap for the broker. */
export const HOSTILE_MAX_RECORD_BYTES = 32_768;
export const HOSTILE_MAX_STRING = 8_192;
export const HOSTILE_INGESTION_ENV: Readonly<Record<string, string>> = {
  MAX_RECORD_BYTES: String(HOSTILE_MAX_RECORD_BYTES),
  MAX_STRING_LENGTH: String(HOSTILE_MAX_STRING),
};

/**
 * Regex-hostile strings: long runs, nested encodings, big base64 blobs, many dots / slashes / percent signs,
 * unicode confusables and invisible characters; each below ingestion's string limit.
 */
function hostileStrings(i: number): string[] {
  const blob = randomBytes(6000).toString('base64');
  return [
    'a'.repeat(8000) + '!',
    '.'.repeat(6000) + 'x',
    '/'.repeat(4000) + '\\'.repeat(2000),
    '%25'.repeat(2500) + '%2',
    encodeURIComponent(encodeURIComponent(encodeURIComponent(`user@corp.example/${i}`))).repeat(50),
    `data:application/octet-stream;base64,${blob}`,
    '1.'.repeat(3000) + '1',
    'ａｄｍｉｎ＠ｅｘａｍｐｌｅ．ｃｏｍ ' + 'рaypal.com '.repeat(300) + '\u200b\u202e'.repeat(500),
    `${'\\\\'.repeat(1500)}host${'$'.repeat(500)}`,
    `${'0'.repeat(2000)}:${'f'.repeat(2000)}::`,
  ];
}

/**
 * Malformed, hostile and oversized records, each with the reason ingestion must give, plus a share
 * (`hostileValidEvery`) of structurally valid alerts carrying regex-hostile strings into every field
 * the engine scans (these must get an outcome, not necessarily a rejection).
 */
export function hostileRecords(opts: {
  count: number;
  run: number;
  sourceOrg: string;
  hostileValidEvery?: number;
}): WorkloadRecord[] {
  const out: WorkloadRecord[] = [];
  const every = opts.hostileValidEvery ?? 10;
  for (let i = 0; i < opts.count; i++) {
    const marker = `kyoyu-mark-${opts.run}-${i}`;
    const base = { key: opts.sourceOrg, sourceOrg: opts.sourceOrg, marker };
    if (every > 0 && i % every === every - 1) {
      const hs = hostileStrings(i);
      const h = hs[i % hs.length] as string;
      out.push({
        ...base,
        kind: 'hostile-valid',
        value: JSON.stringify({
          timestamp: '2026-11-20T10:15:42.123456+0900',
          flow_id: 7_000_000 + i,
          event_type: 'alert',
          src_ip: '172.18.1.5', // the customer's internal range: de-identification must remove it
          src_port: 50000,
          dest_ip: markerIp(opts.run, 60_000 + (i % 5000)),
          dest_port: 443,
          proto: 'TCP',
          alert: {
            action: 'allowed',
            gid: 1,
            signature_id: 2000000 + (i % 1000),
            rev: 1,
            signature: `ET HOSTILE ${marker} ${h.slice(0, 2000)}`,
            category: h.slice(0, 500),
            severity: 2,
          },
          http: { hostname: h.slice(0, 4000), url: `/${h}`, http_user_agent: h },
          smb: { ntlmssp: { user: h.slice(0, 3000), domain: h.slice(0, 1000), host: h.slice(0, 2000) } },
        }),
      });
      continue;
    }
    const bad = badRecord(i, marker);
    out.push({ ...base, kind: 'bad', value: bad.value, expectReason: bad.reason });
  }
  return out;
}

function badRecord(i: number, marker: string): { value: string | Buffer; reason: string } {
  switch (i % 12) {
    case 0:
      return { value: `{"event_type":"alert","m":"${marker}","src_ip":`, reason: 'MALFORMED_JSON' };
    case 1:
      return {
        value: Buffer.concat([
          Buffer.from(`{"m":"${marker}","x":"`),
          Buffer.from([0xc3, 0x28, 0xff]),
          Buffer.from('"}'),
        ]),
        reason: 'INVALID_UTF8',
      };
    case 2:
      return { value: JSON.stringify({ m: marker, hello: 'world', n: i }), reason: 'UNKNOWN_FORMAT' };
    case 3:
      return {
        value: `{"m":"${marker}","pad":"${'A'.repeat(HOSTILE_MAX_RECORD_BYTES)}"}`,
        reason: 'TOO_LARGE',
      };
    case 4:
      return { value: `{"m":"${marker}","d":${'['.repeat(5000)}${']'.repeat(5000)}}`, reason: 'TOO_DEEP' };
    case 5:
      return {
        value: `{"m":"${marker}","f":[${Array(12_000).fill('0').join(',')}]}`,
        reason: 'TOO_MANY_FIELDS',
      };
    case 6:
      return {
        value: `{"m":"${marker}","s":"${'%'.repeat(HOSTILE_MAX_STRING + 4000)}"}`,
        reason: 'STRING_TOO_LONG',
      };
    case 7:
      return {
        value: `{"m":"${marker}","event_type":"alert","flow_id":123456789012345678901234567890}`,
        reason: 'UNSAFE_NUMBER',
      };
    case 8:
      return { value: `{"m":"${marker}","event_type":"alert","event_type":"dns"}`, reason: 'DUPLICATE_KEY' };
    case 9:
      return { value: `CEF:0|${marker}|broken`, reason: 'MALFORMED_CEF' };
    case 10:
      return {
        value: `{"m":"${marker}","event_type":"dns","flow_id":1,"src_ip":"${'1.'.repeat(2000)}","dns":{"rrname":"${'a.'.repeat(3000)}"}}`,
        reason: 'NOT_AN_ALERT',
      };
    default:
      return {
        value: `{"m":"${marker}","__proto__":{"polluted":true},"constructor":{"prototype":{}}}`,
        reason: 'UNKNOWN_FORMAT',
      };
  }
}

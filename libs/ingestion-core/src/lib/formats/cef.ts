import type { NetworkDirection } from '@kyoyu/contracts';
import { compact, pairRoles, type AlertBuilder } from '../builder';
import { int, num, toIso } from '../util';

export interface CefRecord {
  syslogHost?: string;
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  ext: Map<string, string>;
  /** Custom fields by their label: `cs1Label=Rule Name cs1=x` → `Rule Name` → x. */
  custom: Map<string, { key: string; value: string }>;
}

/** Optional syslog header (RFC 3164/5424, or a `tag:` prefix) then `CEF:`. */
export function findCefStart(text: string): number {
  const idx = text.indexOf('CEF:');
  if (idx < 0 || idx > 1024) return -1;
  const prefix = text.slice(0, idx);
  if (/[|\r\n]/.test(prefix)) return -1;
  return idx;
}

/** Full extension names (ArcSight dictionary) → short keys. A Map: keys come from the record. */
const FULL = new Map<string, string>(
  Object.entries({
    sourceAddress: 'src',
    destinationAddress: 'dst',
    sourcePort: 'spt',
    destinationPort: 'dpt',
    sourceHostName: 'shost',
    destinationHostName: 'dhost',
    sourceUserName: 'suser',
    destinationUserName: 'duser',
    sourceMacAddress: 'smac',
    destinationMacAddress: 'dmac',
    requestUrl: 'request',
    message: 'msg',
    transportProtocol: 'proto',
    deviceAddress: 'dvc',
    deviceHostName: 'dvchost',
    fileName: 'fname',
    deviceAction: 'act',
    deviceEventCategory: 'cat',
    sourceUserId: 'suid',
    destinationUserId: 'duid',
    sourceProcessName: 'sproc',
    destinationProcessName: 'dproc',
    deviceReceiptTime: 'rt',
    startTime: 'start',
    endTime: 'end',
    requestClientApplication: 'requestClientApplication',
    sourceNtDomain: 'sntdom',
    destinationNtDomain: 'dntdom',
    sourceDnsDomain: 'sourceDnsDomain',
    destinationDnsDomain: 'destinationDnsDomain',
    applicationProtocol: 'app',
    deviceProcessName: 'deviceProcessName',
    deviceMacAddress: 'dvcmac',
  }),
);

function unescapeHeader(s: string): string {
  return s.indexOf('\\') < 0 ? s : s.replace(/\\([\\|])/g, '$1');
}

/**
 * `\n` `\r` `\t` become the control characters, any other escaped code unit stands for itself; a
 * backslash before a line terminator (or at the end) stays as it is. A loop, not a regex replace with
 * a callback: values with paths are full of escapes.
 */
function unescapeValue(s: string): string {
  let i = s.indexOf('\\');
  if (i < 0) return s;
  let out = '';
  let last = 0;
  while (i >= 0 && i + 1 < s.length) {
    const c = s.charCodeAt(i + 1);
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) {
      i = s.indexOf('\\', i + 1);
      continue;
    }
    out += s.slice(last, i);
    out += c === 0x6e ? '\n' : c === 0x72 ? '\r' : c === 0x74 ? '\t' : s.charAt(i + 1);
    last = i + 2;
    i = s.indexOf('\\', last);
  }
  return out + s.slice(last);
}

/** Exactly the characters `\s` matches (and `trim` strips). */
function isSpace(c: number): boolean {
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `[A-Za-z0-9_.[\]-]`: the characters of an extension key. */
function isKeyChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x2e ||
    c === 0x2d ||
    c === 0x5b ||
    c === 0x5d
  );
}

const DIGITS = /^\d+$/;

/** Parses one CEF line; undefined when it is not well-formed CEF. Linear in the line length. */
export function parseCef(text: string): CefRecord | undefined {
  const start = findCefStart(text);
  if (start < 0) return undefined;
  const prefix = start === 0 ? '' : text.slice(0, start).trim();
  let endOfLine = text.length;
  while (
    endOfLine > start &&
    (text.charCodeAt(endOfLine - 1) === 0x0a || text.charCodeAt(endOfLine - 1) === 0x0d)
  )
    endOfLine--;
  const line = text.slice(start + 4, endOfLine);
  // Header: 7 fields separated by unescaped pipes.
  const header: string[] = [];
  let pos = 0;
  let cur = 0;
  while (header.length < 7) {
    let j = cur;
    for (;;) {
      j = line.indexOf('|', j);
      if (j < 0) return undefined;
      let bs = 0;
      while (line.charCodeAt(j - 1 - bs) === 0x5c) bs++;
      if ((bs & 1) === 0) break;
      j++;
    }
    header.push(unescapeHeader(line.slice(pos, j)));
    pos = cur = j + 1;
  }
  const [version, vendor, product, deviceVersion, signatureId, name, severity] = header as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!DIGITS.test(version.trim())) return undefined;
  const extText = line.slice(pos);
  const ext = new Map<string, string>();
  /*
   * Keys: the whitespace-delimited token before an unescaped '=', when it is made of key characters
   * and starts after the previous key's '='; a value runs to the whitespace before the next key.
   * Each '=' walks back only over key characters, which never include '=', so every character is
   * walked at most once: linear even on a line of `a=a=a=...`.
   */
  const n = extText.length;
  const keyStarts: number[] = [];
  const keyEqs: number[] = [];
  let lastEq = -1;
  for (let i = extText.indexOf('='); i >= 0; i = extText.indexOf('=', i + 1)) {
    let bs = 0;
    while (extText.charCodeAt(i - 1 - bs) === 0x5c) bs++;
    if ((bs & 1) === 1) continue; // an escaped '='
    let ks = i;
    while (ks > 0 && isKeyChar(extText.charCodeAt(ks - 1))) ks--;
    if (ks < i && ks > lastEq && (ks === 0 || isSpace(extText.charCodeAt(ks - 1)))) {
      keyStarts.push(ks);
      keyEqs.push(i);
      lastEq = i;
    }
  }
  for (let k = 0; k < keyStarts.length; k++) {
    const eq = keyEqs[k] as number;
    const raw = extText.slice(keyStarts[k] as number, eq);
    const end = k + 1 < keyStarts.length ? (keyStarts[k + 1] as number) : n;
    const key = FULL.get(raw) ?? raw;
    if (!ext.has(key)) ext.set(key, unescapeValue(extText.slice(eq + 1, end).trim()));
  }
  const custom = new Map<string, { key: string; value: string }>();
  for (const [k, v] of ext) {
    if (!k.endsWith('Label')) continue;
    const base = k.slice(0, -5);
    const value = ext.get(base);
    if (value !== undefined && v) custom.set(v, { key: base, value });
  }
  const rec: CefRecord = {
    version,
    vendor,
    product,
    deviceVersion,
    signatureId,
    name,
    severity,
    ext,
    custom,
  };
  const host = syslogHost(prefix);
  if (host) rec.syslogHost = host;
  return rec;
}

/** Host name from a syslog header: RFC 5424 `<pri>1 TIMESTAMP HOST ...` or RFC 3164 `<pri>Mmm dd hh:mm:ss HOST`. */
function syslogHost(prefix: string): string | undefined {
  if (!prefix) return undefined;
  const t = prefix
    .replace(/^<\d{1,3}>/, '')
    .trim()
    .split(/\s+/);
  if (/^\d$/.test(t[0] ?? '') && /^\d{4}-/.test(t[1] ?? '')) return clean(t[2]);
  if (/^[A-Z][a-z]{2}$/.test(t[0] ?? '') && /^\d{2}:\d{2}:\d{2}$/.test(t[2] ?? '')) return clean(t[3]);
  if (/^\d{4}-\d{2}-\d{2}T/.test(t[0] ?? '')) return clean(t[1]);
  return undefined;
}
const clean = (h: string | undefined): string | undefined => {
  const v = h?.replace(/:$/, '');
  return v && !/CEF/.test(v) && !/:$/.test(v) ? v : undefined;
};

/** CEF severity: 0–10 → ×10; Low 25, Medium 50, High 75, Very-High 95, Unknown 0. */
export function cefSeverity(s: string): number {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 10;
  return SEVERITY_WORDS.get(t.toLowerCase()) ?? 0;
}
/** A Map, not an object literal: a severity of `constructor` must not find Object's own members. */
const SEVERITY_WORDS = new Map([
  ['low', 25],
  ['medium', 50],
  ['high', 75],
  ['very-high', 95],
  ['very high', 95],
  ['critical', 95],
]);

const PUBLIC_IDS_PRODUCTS = /suricata|snort/i;

/**
 * Rule public: CEF signature ids are the device's own catalogue; only Snort/Suricata-based products
 * with gid-1 public sid ranges count as public, everything else is private.
 */
export function mapCef(c: CefRecord, b: AlertBuilder): void {
  const e = c.ext;
  const g = (k: string): string | undefined => {
    const v = e.get(k);
    return v !== undefined && v.trim().length > 0 && v !== 'null' ? v.trim() : undefined;
  };
  b.title = c.name || c.signatureId || 'CEF event';
  b.description = g('msg') ?? g('reason');
  b.nativeId = g('externalId') ?? (g('eventId') ? `${c.vendor}|${c.product}|${g('eventId')}` : undefined);
  b.observedAt = toIso(g('rt')) ?? toIso(g('end')) ?? toIso(g('start'));
  b.setOccurrences(int(g('cnt')));
  b.setSeverity(cefSeverity(c.severity), c.severity);
  b.product = compact({
    vendor: c.vendor || undefined,
    name: c.product || undefined,
    version: c.deviceVersion || undefined,
  });
  const sidNum = int(c.signatureId);
  b.rule = compact({
    id: c.signatureId || undefined,
    name: c.name || undefined,
    category: g('cat'),
    public:
      PUBLIC_IDS_PRODUCTS.test(c.product) &&
      sidNum !== undefined &&
      (sidNum < 1_000_000 || (sidNum >= 2_000_000 && sidNum < 3_000_000)),
  });
  b.described('name', c.name);
  b.described('signatureId', c.signatureId);
  b.text('msg', g('msg'));
  b.cves(g('msg'), 'msg');
  for (const k of ['act', 'cat', 'reason', 'outcome', 'TrendMicroDsRelevantDetectionNames', 'cs6'])
    b.described(k, g(k));

  const dirRaw = g('deviceDirection');
  const direction: NetworkDirection = dirRaw === '0' ? 'inbound' : dirRaw === '1' ? 'outbound' : 'unknown';
  const src = g('src') ?? g('c6a2');
  const dst = g('dst') ?? g('c6a3');
  const roles = pairRoles(src, dst, { direction });
  b.ip(src, roles.src, e.has('src') ? 'src' : 'c6a2');
  b.ip(dst, roles.dst, e.has('dst') ? 'dst' : 'c6a3');
  if (src || dst)
    b.network.push(
      compact({
        srcIp: src,
        srcPort: int(g('spt')),
        dstIp: dst,
        dstPort: int(g('dpt')),
        protocol: g('proto') ?? g('app'),
        direction,
        field: 'src,dst',
      }),
    );
  b.ip(g('sourceTranslatedAddress'), 'victim', 'sourceTranslatedAddress');
  b.ip(g('destinationTranslatedAddress'), roles.dst, 'destinationTranslatedAddress');
  b.host(g('dhost'), roles.dst, 'dhost');
  b.host(
    g('shost'),
    roles.src === 'attacker' ? 'attacker' : 'victim',
    'shost',
    roles.src === 'attacker' ? 'domain' : 'hostname',
  );
  b.host(g('destinationDnsDomain'), roles.dst, 'destinationDnsDomain');
  const req = g('request');
  if (req && /^[a-z]+:\/\//i.test(req)) b.url(req, roles.dst, 'request');
  else b.text('request', req);
  b.url(g('requestContext'), 'unknown', 'requestContext');
  const ua = g('requestClientApplication');
  if (ua) {
    b.indicator('user-agent', ua, roles.src, 'requestClientApplication');
    b.text('requestClientApplication', ua);
  }
  for (const k of ['smac', 'dmac', 'dvcmac']) {
    const v = g(k);
    if (v) b.indicator('mac', v, 'victim', k);
  }
  // Reporting device and syslog host: the customer's.
  const dvchost = g('dvchost');
  const dvc = g('dvc');
  if (dvchost || dvc || c.syslogHost) {
    const ips = [dvc].filter((x): x is string => !!x && /^[\d.:a-fA-F]+$/.test(x) && /[.:]/.test(x));
    b.hosts.push(
      compact({
        name: dvchost ?? c.syslogHost ?? (ips.length ? undefined : dvc),
        id: g('deviceExternalId'),
        ips,
        macs: [],
        field: 'dvc',
      }),
    );
    b.host(dvchost, 'victim', 'dvchost', 'hostname');
    b.host(c.syslogHost, 'victim', 'syslog.host', 'hostname');
    if (dvc) b.host(dvc, 'victim', 'dvc', 'hostname');
  }
  const shost = g('shost');
  if (shost && roles.src !== 'attacker')
    b.hosts.push({ name: shost, ips: src ? [src] : [], macs: [], field: 'shost' });
  for (const [k, dk] of [
    ['suser', 'sntdom'],
    ['duser', 'dntdom'],
  ] as const) {
    const u = g(k);
    if (u)
      b.users.push(compact({ name: u, domain: g(dk), id: g(k === 'suser' ? 'suid' : 'duid'), field: k }));
    b.text(k, u);
  }
  const fpath = g('filePath');
  const fname = g('fname');
  const hashes = compact({
    md5: g('TrendMicroDsFileMD5') ?? g('fileHashMd5'),
    sha1: g('TrendMicroDsFileSHA1'),
    sha256: g('TrendMicroDsFileSHA256'),
  });
  const fh = g('fileHash');
  if (fh) {
    const t = fh.length === 32 ? 'md5' : fh.length === 40 ? 'sha1' : fh.length === 64 ? 'sha256' : undefined;
    if (t && !hashes[t]) hashes[t] = fh;
  }
  if (fpath || fname || Object.keys(hashes).length) {
    const fe = compact({ name: fname, path: fpath, size: num(g('fsize')), field: 'file' });
    if (Object.keys(hashes).length) (fe as { hashes?: object }).hashes = hashes;
    b.files.push(fe);
  }
  b.filePath(fpath, 'filePath');
  b.fileName(fname, 'fname');
  b.text('fname', fname);
  for (const [k, v] of Object.entries(hashes)) b.hash(v, 'attacker', `file.${k}`);
  for (const k of ['sproc', 'dproc', 'deviceProcessName']) {
    const p = g(k);
    if (p) {
      b.processes.push(compact({ name: p, pid: int(g(k === 'sproc' ? 'spid' : 'dpid')), field: k }));
      b.text(k, p);
    }
  }
  // Custom fields: every string into texts; ATT&CK-labelled ones into techniques/tactics.
  for (const [label, { key, value }] of c.custom) {
    b.text(`${key}:${label}`, value);
    if (/techni|mitre|att&?ck/i.test(label)) b.attack.fromText(value.replace(/\bt(\d{4})/gi, 'T$1'));
    if (/tactic/i.test(label)) for (const t of value.split(/[,;]/)) b.attack.tactic(t);
    if (/cve/i.test(label)) b.cves(value, key);
    if (/host ?name/i.test(label)) b.host(value, 'victim', key, 'hostname');
  }
  // Remaining free text in non-standard keys.
  for (const [k, v] of e) {
    if (/^(cs\d|cn\d|cfp\d|c6a\d|flexString\d|flexNumber\d|deviceCustomDate\d)(Label)?$/.test(k)) continue;
    if (
      /[A-Za-z]/.test(v) &&
      v.length > 2 &&
      !/^(src|dst|spt|dpt|rt|start|end|proto|deviceDirection|cnt|severity)$/.test(k)
    )
      b.text(k, v);
  }
}

import { isUtf8 } from 'node:buffer';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AcMatch } from './aho-corasick';
import type { PatternMatcher } from './pattern-list';
import type { CompiledCustomer, DictEntry, DictKind } from './compile';
import { findVictimIps } from './ip';
import { isGenericIdentifier } from './generic-identifiers';
import { isAsciiWordChar, lowerSameLength } from './normalize';
import type { Pseudonymizer } from './pseudonym';
import {
  CH_AT,
  CH_BACKSLASH,
  CH_COLON,
  CH_DASH,
  CH_DOT,
  CH_EQUALS,
  CH_LT,
  CH_SLASH,
  CH_X,
  hasEscapedHex,
  mayHaveWholeView,
  takeCensus,
  type TextCensus,
} from './text-census';

/** One thing the sanitizer found and changed; never carries the value itself. */
export interface Finding {
  kind: string;
  cls: string;
  rule: string;
  action: 'mask' | 'pseudonymize' | 'drop';
  /** True when a victim identifier was found (as opposed to a policy mask such as a query string). */
  victim: boolean;
  /** The decoded view it was found in (`raw`, `base64`, `url`, ...). */
  view: string;
}

export interface SanitizeResult {
  text: string;
  findings: Finding[];
  /** Long encoded-looking runs that decode to nothing readable: unknown residue. */
  opaqueBlobs: number;
}

interface Edit {
  start: number;
  end: number;
  repl: string;
  findings: Finding[];
}

const MAX_DEPTH = 4;
const USER_PATH = /(?:\\users\\|\\documents and settings\\|\/home\/|\/users\/)([^\\/\s"'<>|:*?]+)/gi;
const PROFILE_NAMES = new Set([
  'public',
  'default',
  'default user',
  'all users',
  '%username%',
  '*',
  'shared',
  '<user',
]);
const SID = /\bS-1-5-21(?:-\d{1,10}){3}(?:-\d{1,10})?\b/gi;
const MAC = /(?<![\w:-])[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}(?![\w:-])/gi;
const RECIPIENT_HEADER =
  /^[ \t]*(?:to|cc|bcc|delivered-to|x-original-to|envelope-to|resent-to|x-rcpt-to)[ \t]*:(.*)$/gim;
const CERT_EMAIL = /emailaddress=([^,/\s"]+)/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+/g;
const URL_RE = /\b(?:https?|hxxps?|ftp|wss?):\/\/[^\s"'<>]+/gi;
const B64 = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{20,}={0,2}/g;
const HEX_RUN = /(?:\\x[0-9a-f]{2}){6,}|(?<![0-9a-z])(?:[0-9a-f]{2}){8,}(?![0-9a-z])/gi;
const ALL_DIGITS = /^\d+$/;
/** Characters that end `DOMAIN\user`'s user part. */
const ENDS_ACCOUNT_NAME = /[\s\\/"':;,|<>()[\]]/;
/** Characters before a display name in a recipient list. */
const ENDS_DISPLAY_NAME = /[:;,<>"\n\r]/;
const WHITESPACE = /\s/;
const RID_SUFFIX = /^-\d{1,10}/;
const LEADING_SEPARATORS = /^[/_-]+/;
const TRAILING_SEPARATORS = /[/_-]+$/;
const PLAIN_HEX = /^[0-9a-fA-F]+$/;
const BASE64_DIGIT_OR_SIGN = /[0-9+/]/;
const UPPER = /[A-Z]/;
const LOWER = /[a-z]/;

/**
 * Base64 of real bytes has digits, `+`/`/` or mixed case; a long word or identifier does not. Three scans,
 * not `/[A-Z].*[a-z]|[a-z].*[A-Z]/`: that one backtracks quadratically on a run of one case (8,000 `a`s
 * cost 28 ms, 32,000 cost 444 ms; hostile input under load found it).
 */
export function looksLikeBase64Bytes(run: string): boolean {
  return BASE64_DIGIT_OR_SIGN.test(run) || (UPPER.test(run) && LOWER.test(run));
}
const URL_SAFE_CHAR = /[-_]/;
const PATH_SEPARATOR = /[/\\]/;
const PCT = /%[0-9a-f]{2}/i;
const HTML_ENT = /&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});/i;
const MIME_WORD = /=\?([^?\s]+)\?([bq])\?([^?\s]*)\?=/gi;
const DEFANG = /\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|hxxp|\[:\]|\[@\]|\[at\]|\(at\)|\[:\/\/\]/i;
const NON_ASCII = /[\u0080-\uffff]/;
// `\\HOST\share`: a single-label UNC host is one of the victim's machines (dotted names go through the dictionary).
const UNC_HOST = /(?<![\\\w])\\\\([A-Za-z0-9][A-Za-z0-9_-]{0,62})(?=\\|$|["'\s])/g;
// Remote-execution switches naming a target machine: wmic /node:, schtasks/sc /s, -ComputerName.
const HOST_SWITCH =
  /(?:\/node:|(?<=\s)\/s\s+|-computername[\s:]+)"?([A-Za-z0-9][A-Za-z0-9_-]{0,62})(?=["'\s,]|$)/gi;
const ANGLE_ADDR = /<([^<>\s@]{1,64}@[^<>\s]{1,255})>/g;

function f(
  kind: string,
  cls: string,
  rule: string,
  action: Finding['action'],
  view: string,
  victim = true,
): Finding {
  return { kind, cls, rule, action, victim, view };
}

const RULE_BY_KIND: Record<DictKind, [string, string]> = {
  org: ['R-DICT-ORG', 'victim-org'],
  keyword: ['R-DICT-KEYWORD', 'victim-org'],
  domain: ['R-DICT-DOMAIN', 'victim-domain'],
  netbios: ['R-DICT-NETBIOS', 'victim-domain'],
  sid: ['R-DICT-SID', 'account-id'],
  account: ['R-DICT-CLOUD-ACCOUNT', 'cloud-account'],
  tenant: ['R-DICT-TENANT', 'tenant-id'],
  host: ['R-LEARNED-HOST', 'host-name'],
  hostid: ['R-LEARNED-HOST-ID', 'host-id'],
  user: ['R-LEARNED-USER', 'user-name'],
  email: ['R-LEARNED-EMAIL', 'email'],
  mac: ['R-LEARNED-MAC', 'mac'],
  ip: ['R-LEARNED-IP', 'ip-victim'],
  region: ['R-DICT-REGION', 'region'],
};

function isAlnum(c: number): boolean {
  return isAsciiWordChar(c) && c !== 95;
}

function isLabelChar(c: number): boolean {
  return isAsciiWordChar(c) || c === 45; // '-'
}

function isLocalPartChar(c: number): boolean {
  return isAsciiWordChar(c) || c === 45 || c === 46 || c === 43 || c === 37;
}

/**
 * Masks every victim identifier in one string: the registry dictionary and the alert's learned identifiers
 * (one Aho–Corasick pass each), victim IPs in every textual form, profile paths, SIDs, MACs, recipients,
 * query strings; then decoded views (base64/base64url, UTF-16LE, gzip, hex, URL-encoding, HTML entities,
 * MIME words, defanged forms, NFKC), re-encoding a blob around its masked victim part.
 */
export class TextSanitizer {
  /** Top-level results by input text: the same string recurs across an alert's fields (description, texts, URLs). */
  private readonly memo = new Map<string, SanitizeResult>();

  /**
   * @param scanOnly for text that is never forwarded: the findings are what matters, so no keyed pseudonyms
   *   are computed and no blob is re-encoded (the returned text is then not releasable).
   */
  constructor(
    private readonly compiled: CompiledCustomer,
    private readonly learned: PatternMatcher<DictEntry> | null,
    private readonly pseudo: Pick<Pseudonymizer, 'get'>,
    private readonly scanOnly = false,
  ) {}

  sanitize(text: string, depth = 0, view = 'raw', wholeViews = true): SanitizeResult {
    if (depth > 0) return this.sanitizeUncached(text, depth, view, wholeViews);
    let r = this.memo.get(text);
    if (r === undefined) {
      r = this.sanitizeUncached(text, depth, view, wholeViews);
      this.memo.set(text, r);
    }
    return r;
  }

  /** A top-level result already computed for this text, if any. */
  cached(text: string): SanitizeResult | undefined {
    return this.memo.get(text);
  }

  private sanitizeUncached(text: string, depth: number, view: string, wholeViews: boolean): SanitizeResult {
    const findings: Finding[] = [];
    let opaqueBlobs = 0;
    const edits: Edit[] = [];
    const lt = lowerSameLength(text);
    const census = takeCensus(text);

    this.dictionaryEdits(text, lt, this.compiled.ac.search(lt), edits, view);
    if (this.learned) this.dictionaryEdits(text, lt, this.learned.search(lt), edits, view);

    const ips = findVictimIps(text, this.compiled.customerRanges, this.compiled.internalRanges, {
      dotted: (census.chars & CH_DOT) !== 0 && census.digitRun > 0,
      dashed: (census.chars & CH_DASH) !== 0 && census.digitRun > 0,
      integer: census.digitRun >= 8,
      hex: (census.chars & CH_X) !== 0,
      v6: census.colons >= 2,
    });
    for (const ip of ips) {
      const internal = ip.side === 'internal';
      edits.push({
        start: ip.start,
        end: ip.end,
        repl: internal ? '<internal-ip>' : '<victim-ip>',
        findings: [
          f(
            `ip-${ip.form}`,
            internal ? 'ip-internal' : 'ip-customer-range',
            internal ? 'R-IP-INTERNAL' : 'R-IP-CUSTOMER-RANGE',
            'mask',
            view,
          ),
        ],
      });
    }
    this.patternEdits(text, lt, census.chars, edits, view);
    if (depth < MAX_DEPTH) opaqueBlobs += this.encodedEdits(text, census, depth, edits, view);

    let out = applyEdits(text, edits, findings);

    if (depth < MAX_DEPTH && wholeViews && mayHaveWholeView(out, out === text ? census : takeCensus(out))) {
      // One combined decoded view (URL → HTML → MIME → defang → NFKC), scanned once: not one recursion per decoder.
      let v = out;
      const applied: string[] = [];
      for (const [name, decode] of WHOLE_VIEWS) {
        const d = decode(v);
        if (d !== null && d !== v) {
          v = d;
          applied.push(name);
        }
      }
      if (applied.length > 0) {
        const name = applied.join('+');
        const r = this.sanitize(v, depth + 1, name, false);
        if (r.findings.some((x) => x.victim)) {
          out = r.text;
          findings.push(
            f(
              `view-${name}`,
              'encoded-content',
              `R-ENC-${(applied[0] as string).toUpperCase()}`,
              'mask',
              view,
              false,
            ),
            ...r.findings,
          );
          for (const a of applied.slice(1))
            findings.push(f(`view-${a}`, 'encoded-content', `R-ENC-${a.toUpperCase()}`, 'mask', view, false));
        }
        opaqueBlobs += r.opaqueBlobs;
      }
    }
    return { text: out, findings, opaqueBlobs };
  }

  private dictionaryEdits(
    text: string,
    lt: string,
    matches: AcMatch<DictEntry>[],
    edits: Edit[],
    view: string,
  ): void {
    for (const m of matches) {
      const e = m.payload;
      if (e.boundary) {
        const before = m.start > 0 ? lt.charCodeAt(m.start - 1) : -1;
        const after = m.end < lt.length ? lt.charCodeAt(m.end) : -1;
        const first = lt.charCodeAt(m.start);
        const last = lt.charCodeAt(m.end - 1);
        // `README_ACME.txt`, `acme_payroll`: an underscore separates a name as a space would.
        const bad = e.domainLike ? isLabelChar : isAlnum;
        if (isAsciiWordChar(first) && before >= 0 && bad(before)) continue;
        if (isAsciiWordChar(last) && after >= 0 && bad(after)) continue;
      }
      const [rule, cls] = RULE_BY_KIND[e.kind];
      const found = [f(e.kind, cls, rule, 'mask', view)];
      let start = m.start;
      let end = m.end;
      let repl: string;
      switch (e.kind) {
        case 'domain': {
          let s = start;
          while (s > 1 && text.charCodeAt(s - 1) === 46 && isLabelChar(text.charCodeAt(s - 2))) {
            let j = s - 1;
            while (j > 0 && isLabelChar(text.charCodeAt(j - 1))) j--;
            s = j;
          }
          repl = '<victim-domain>';
          if (s < start) {
            repl = `${this.pseudo.get('host', text.slice(s, start - 1))}.${repl}`;
            found.push(f('host', 'host-name', 'R-PSEUDO-HOST', 'pseudonymize', view));
          }
          if (s > 1 && text.charCodeAt(s - 1) === 64 && isLocalPartChar(text.charCodeAt(s - 2))) {
            let j = s - 1;
            while (j > 0 && isLocalPartChar(text.charCodeAt(j - 1))) j--;
            repl = `${this.pseudo.get('user', text.slice(j, s - 1))}@${repl}`;
            found.push(f('email', 'email', 'R-PSEUDO-EMAIL', 'pseudonymize', view));
            s = j;
          }
          start = s;
          break;
        }
        case 'netbios': {
          repl = '<victim-domain>';
          let k = end;
          while (k < text.length && text.charCodeAt(k) === 92 && k < end + 2) k++;
          if (k > end) {
            let u = k;
            while (u < text.length && !ENDS_ACCOUNT_NAME.test(text[u] as string)) u++;
            if (u > k) {
              repl += `\\${this.pseudo.get('user', text.slice(k, u))}`;
              found.push(f('user', 'user-name', 'R-PSEUDO-USER', 'pseudonymize', view));
              end = u;
            }
          }
          break;
        }
        case 'sid': {
          const rid = RID_SUFFIX.exec(text.slice(end, end + 12));
          if (rid) end += rid[0].length;
          repl = this.pseudo.get('sid', text.slice(start, end));
          found[0] = f('sid', 'account-id', rule, 'pseudonymize', view);
          break;
        }
        case 'host':
        case 'hostid':
          repl = this.pseudo.get('host', text.slice(start, end));
          found[0] = f(e.kind, cls, rule, 'pseudonymize', view);
          break;
        case 'user':
          repl = this.pseudo.get('user', text.slice(start, end));
          found[0] = f(e.kind, cls, rule, 'pseudonymize', view);
          break;
        case 'email':
          repl = this.pseudo.get('email', text.slice(start, end));
          found[0] = f(e.kind, cls, rule, 'pseudonymize', view);
          break;
        case 'mac':
          repl = this.pseudo.get('mac', text.slice(start, end));
          found[0] = f(e.kind, cls, rule, 'pseudonymize', view);
          break;
        case 'account':
        case 'tenant':
          repl = '<victim-account>';
          break;
        case 'ip':
          repl = '<victim-ip>';
          break;
        case 'region':
          repl = '<victim-region>';
          break;
        default:
          repl = '<victim-org>';
      }
      edits.push({ start, end, repl, findings: found });
    }
  }

  /** `chars`: the census's CH_* flags; each detector needs one of its characters to match at all. */
  private patternEdits(text: string, lt: string, chars: number, edits: Edit[], view: string): void {
    let m: RegExpExecArray | null;
    if (
      (chars & (CH_SLASH | CH_BACKSLASH)) !== 0 &&
      (lt.includes('users') || lt.includes('/home/') || lt.includes('documents and settings'))
    ) {
      USER_PATH.lastIndex = 0;
      while ((m = USER_PATH.exec(text))) {
        const name = m[1] as string;
        if (PROFILE_NAMES.has(name.toLowerCase()) || name.startsWith('<')) continue;
        const start = m.index + m[0].length - name.length;
        edits.push({
          start,
          end: start + name.length,
          repl: this.pseudo.get('user', name),
          findings: [f('user', 'user-name', 'R-PATH-USER', 'pseudonymize', view)],
        });
      }
    }
    if ((chars & CH_DASH) !== 0 && lt.includes('s-1-5-21')) {
      SID.lastIndex = 0;
      while ((m = SID.exec(text))) {
        edits.push({
          start: m.index,
          end: m.index + m[0].length,
          repl: this.pseudo.get('sid', m[0]),
          findings: [f('sid', 'account-id', 'R-SID', 'pseudonymize', view)],
        });
      }
    }
    if ((chars & (CH_COLON | CH_DASH)) !== 0) {
      MAC.lastIndex = 0;
      while ((m = MAC.exec(text))) {
        edits.push({
          start: m.index,
          end: m.index + m[0].length,
          repl: this.pseudo.get('mac', m[0].replace(/-/g, ':')),
          findings: [f('mac', 'mac', 'R-MAC', 'pseudonymize', view)],
        });
      }
    }
    if ((chars & CH_COLON) !== 0 && (lt.includes('to:') || lt.includes('cc:') || lt.includes('to :'))) {
      RECIPIENT_HEADER.lastIndex = 0;
      while ((m = RECIPIENT_HEADER.exec(text))) {
        const body = m[1] as string;
        const bodyStart = m.index + m[0].length - body.length;
        const addrs = body.match(EMAIL) ?? [];
        if (addrs.length === 0) continue;
        // Recipients are the victim's people: the display names go too, only pseudonymous addresses stay.
        edits.push({
          start: bodyStart,
          end: bodyStart + body.length,
          repl: ` ${addrs.map((a) => this.pseudo.get('email', a)).join(', ')}`,
          findings: [f('email', 'email', 'R-EMAIL-RECIPIENT', 'pseudonymize', view)],
        });
      }
    }
    if ((chars & CH_BACKSLASH) !== 0 && text.includes('\\\\')) {
      UNC_HOST.lastIndex = 0;
      while ((m = UNC_HOST.exec(text))) this.hostEdit(m, edits, view, 'R-UNC-HOST');
    }
    if (
      (chars & (CH_SLASH | CH_DASH)) !== 0 &&
      (lt.includes('/node:') || lt.includes('/s ') || lt.includes('-computername'))
    ) {
      HOST_SWITCH.lastIndex = 0;
      while ((m = HOST_SWITCH.exec(text))) this.hostEdit(m, edits, view, 'R-CMD-REMOTE-HOST');
    }
    if ((chars & CH_AT) !== 0 && (chars & CH_LT) !== 0) this.displayNameEdits(text, edits, view);
    if ((chars & CH_EQUALS) !== 0 && lt.includes('emailaddress=')) {
      CERT_EMAIL.lastIndex = 0;
      while ((m = CERT_EMAIL.exec(text))) {
        const v = m[1] as string;
        const start = m.index + m[0].length - v.length;
        edits.push({
          start,
          end: start + v.length,
          repl: this.pseudo.get('email', v),
          findings: [f('email', 'email', 'R-CERT-EMAIL', 'pseudonymize', view)],
        });
      }
    }
    if ((chars & CH_COLON) !== 0 && text.includes('://')) {
      URL_RE.lastIndex = 0;
      while ((m = URL_RE.exec(text))) {
        const q = m[0].indexOf('?');
        if (q < 0) continue;
        let query = m[0].slice(q + 1);
        const hash = query.indexOf('#');
        if (hash >= 0) query = query.slice(0, hash);
        if (!query) continue;
        const masked = maskQuery(query);
        if (masked === query) continue;
        const start = m.index + q + 1;
        edits.push({
          start,
          end: start + query.length,
          repl: masked,
          findings: [f('url-query', 'url-query', 'R-URL-QUERY', 'mask', view, false)],
        });
      }
    }
  }

  /** Pseudonymizes the host captured in group 1 unless it is an address or a generic name. */
  private hostEdit(m: RegExpExecArray, edits: Edit[], view: string, rule: string): void {
    const host = m[1] as string;
    if (ALL_DIGITS.test(host) || isGenericIdentifier(host)) return;
    const start = m.index + m[0].length - host.length;
    edits.push({
      start,
      end: start + host.length,
      repl: this.pseudo.get('host', host),
      findings: [f('host', 'host-name', rule, 'pseudonymize', view)],
    });
  }

  /** `Display Name <someone@victim>`: the display name is the victim's person too. */
  private displayNameEdits(text: string, edits: Edit[], view: string): void {
    ANGLE_ADDR.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = ANGLE_ADDR.exec(text))) {
      const addr = lowerSameLength(m[1] as string);
      const victim =
        this.compiled.ac.search(addr).some((x) => x.payload.kind === 'domain') ||
        (this.learned?.search(addr).some((x) => x.payload.kind === 'email' || x.payload.kind === 'domain') ??
          false);
      if (!victim) continue;
      let end = m.index;
      while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
      let start = end;
      if (text[end - 1] === '"') {
        const q = text.lastIndexOf('"', end - 2);
        if (q < 0 || end - q > 130) continue;
        start = q;
      } else {
        while (start > 0 && end - start < 128 && !ENDS_DISPLAY_NAME.test(text[start - 1] as string)) start--;
        while (start < end && WHITESPACE.test(text[start] as string)) start++;
      }
      if (start >= end) continue;
      edits.push({
        start,
        end,
        repl: '<person>',
        findings: [f('person', 'person-name', 'R-EMAIL-DISPLAY-NAME', 'mask', view)],
      });
    }
  }

  /** Base64 (incl. url-safe, UTF-16LE, gzip) and hex blobs: decode, sanitize, re-encode when a victim part was found. */
  private encodedEdits(text: string, census: TextCensus, depth: number, edits: Edit[], view: string): number {
    let opaque = 0;
    // Collected before recursing: the nested sanitize reuses the same global regexes.
    for (const m of census.base64Run >= 20 ? [...text.matchAll(B64)] : []) {
      let run = m[0];
      let start = m.index;
      const lead = LEADING_SEPARATORS.exec(run)?.[0].length ?? 0;
      run = run.slice(lead);
      start += lead;
      run = run.replace(TRAILING_SEPARATORS, '');
      if (run.length < 16 || PLAIN_HEX.test(run) || !looksLikeBase64Bytes(run)) continue;
      const urlSafe = URL_SAFE_CHAR.test(run);
      const buf = Buffer.from(run, urlSafe ? 'base64url' : 'base64');
      const dec = decodeBytes(buf);
      if (!dec) {
        if (run.length >= 64 && !PATH_SEPARATOR.test(run)) opaque++;
        continue;
      }
      const r = this.sanitize(dec.text, depth + 1, dec.view);
      opaque += r.opaqueBlobs;
      if (!r.findings.some((x) => x.victim)) continue;
      let enc = '';
      if (!this.scanOnly) {
        let bytes = dec.utf16 ? Buffer.from(r.text, 'utf16le') : Buffer.from(r.text, 'utf8');
        if (dec.gzip) bytes = gzipSync(bytes);
        enc = bytes.toString(urlSafe ? 'base64url' : 'base64');
        if (!run.endsWith('=')) enc = enc.replace(/=+$/, '');
      }
      edits.push({
        start,
        end: start + run.length,
        repl: enc,
        findings: [
          f(`encoded-${dec.view}`, 'encoded-content', `R-ENC-${dec.view.toUpperCase()}`, 'mask', view, false),
          ...r.findings,
        ],
      });
    }
    for (const m of census.hexRun >= 16 || hasEscapedHex(text, census) ? [...text.matchAll(HEX_RUN)] : []) {
      const run = m[0];
      const escaped = run.startsWith('\\x') || run.startsWith('\\X');
      const hex = escaped ? run.replace(/\\x/gi, '') : run;
      const dec = decodeBytes(Buffer.from(hex, 'hex'));
      if (!dec) continue;
      const r = this.sanitize(dec.text, depth + 1, 'hex');
      if (!r.findings.some((x) => x.victim)) continue;
      let enc = '';
      if (!this.scanOnly) {
        let bytes = dec.utf16 ? Buffer.from(r.text, 'utf16le') : Buffer.from(r.text, 'utf8');
        if (dec.gzip) bytes = gzipSync(bytes);
        enc = bytes.toString('hex');
        if (hex !== hex.toLowerCase()) enc = enc.toUpperCase();
        if (escaped) enc = enc.replace(/(..)/g, '\\x$1');
      }
      edits.push({
        start: m.index,
        end: m.index + run.length,
        repl: enc,
        findings: [f('encoded-hex', 'encoded-content', 'R-ENC-HEX', 'mask', view, false), ...r.findings],
      });
    }
    return opaque;
  }
}

function maskQuery(query: string): string {
  return query
    .split('&')
    .map((kv) => {
      const eq = kv.indexOf('=');
      if (eq < 0) return kv.length > 0 ? '<masked>' : kv;
      return eq === kv.length - 1 ? kv : `${kv.slice(0, eq + 1)}<masked>`;
    })
    .join('&');
}

function applyEdits(text: string, edits: Edit[], findings: Finding[]): string {
  if (edits.length === 0) return text;
  edits.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  for (const e of edits) {
    for (const x of e.findings) findings.push(x);
    if (e.start < pos) continue;
    out += text.slice(pos, e.start) + e.repl;
    pos = e.end;
  }
  return out + text.slice(pos);
}

interface Decoded {
  text: string;
  view: string;
  utf16: boolean;
  gzip: boolean;
}

/** Bytes → readable text (UTF-8 or UTF-16LE, optionally gzip-wrapped), or null for binary. */
export function decodeBytes(buf: Buffer, allowGzip = true): Decoded | null {
  if (buf.length < 8) return null;
  if (allowGzip && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      const inner = decodeBytes(gunzipSync(buf, { maxOutputLength: 1 << 20 }), false);
      return inner ? { ...inner, view: `gzip-${inner.view}`, gzip: true } : null;
    } catch {
      return null;
    }
  }
  // ASCII in UTF-16LE (PowerShell -EncodedCommand): zero high bytes.
  if (buf.length % 2 === 0) {
    let zeros = 0;
    for (let i = 1; i < buf.length; i += 2) if (buf[i] === 0) zeros++;
    if (zeros >= (buf.length / 2) * 0.7) {
      const t = buf.toString('utf16le');
      if (readable(t)) return { text: t, view: 'utf16le', utf16: true, gzip: false };
    }
  }
  // Random bytes are not UTF-8: reject them before building a string.
  let utf8 = isUtf8(buf);
  if (!utf8) {
    let high = 0;
    for (let i = 0; i < buf.length; i++) if ((buf[i] as number) >= 0x80) high++;
    utf8 = high <= buf.length * 0.05;
  }
  if (utf8) {
    const t = buf.toString('utf8');
    if (readable(t)) return { text: t, view: 'base64', utf16: false, gzip: false };
  }
  // Japanese in UTF-16LE: kana, kanji, full-width forms and ASCII code units (tried last: ASCII bytes read
  // as UTF-16 also land in the kanji range).
  if (buf.length % 2 === 0) {
    let textual = 0;
    for (let i = 0; i + 1 < buf.length; i += 2) {
      const u = (buf[i] as number) | ((buf[i + 1] as number) << 8);
      if (
        (u >= 0x20 && u <= 0x7e) ||
        (u >= 0x3000 && u <= 0x30ff) ||
        (u >= 0x4e00 && u <= 0x9fff) ||
        (u >= 0xff00 && u <= 0xffef)
      )
        textual++;
    }
    if (textual >= (buf.length / 2) * 0.9) {
      const t = buf.toString('utf16le');
      if (readable(t)) return { text: t, view: 'utf16le', utf16: true, gzip: false };
    }
  }
  return null;
}

function readable(t: string): boolean {
  let bad = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd || (c >= 0x7f && c < 0xa0)) bad++;
  }
  return bad <= t.length * 0.05;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  commat: '@',
  period: '.',
  sol: '/',
  bsol: '\\',
  colon: ':',
  lowbar: '_',
  hyphen: '-',
  dash: '-',
  num: '#',
  percnt: '%',
  equals: '=',
  quest: '?',
};

function decodePct(s: string): string | null {
  if (!PCT.test(s)) return null;
  let cur = s;
  for (let i = 0; i < 3 && PCT.test(cur); i++) {
    cur = cur.replace(/(?:%[0-9a-f]{2})+/gi, (run) =>
      Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
    );
  }
  return cur;
}

function decodeHtml(s: string): string | null {
  if (!HTML_ENT.test(s)) return null;
  return s.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});/gi, (all, body: string) => {
    if (body[0] === '#') {
      const cp =
        body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? all;
  });
}

function decodeMime(s: string): string | null {
  if (!s.includes('=?')) return null;
  MIME_WORD.lastIndex = 0;
  if (!MIME_WORD.test(s)) return null;
  MIME_WORD.lastIndex = 0;
  return s
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(MIME_WORD, (all, charset: string, enc: string, body: string) => {
      let bytes: Buffer;
      if (enc.toLowerCase() === 'b') bytes = Buffer.from(body, 'base64');
      else
        bytes = Buffer.from(
          body
            .replace(/_/g, ' ')
            .replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        );
      try {
        return new TextDecoder(charset.toLowerCase()).decode(bytes);
      } catch {
        return all;
      }
    });
}

function refang(s: string): string | null {
  if (!DEFANG.test(s)) return null;
  return s
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, '.')
    .replace(/hxxp/gi, 'http')
    .replace(/\[:\/\/\]/g, '://')
    .replace(/\[:\]/g, ':')
    .replace(/\[@\]|\[at\]|\(at\)/gi, '@');
}

function nfkc(s: string): string | null {
  if (!NON_ASCII.test(s)) return null;
  return s.normalize('NFKC');
}

const WHOLE_VIEWS: Array<[string, (s: string) => string | null]> = [
  ['url', decodePct],
  ['html', decodeHtml],
  ['mime', decodeMime],
  ['defang', refang],
  ['nfkc', nfkc],
];

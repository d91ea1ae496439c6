import { encode, ipv4Forms } from './encoders';
import { findLeaks, type ItemOutcome, missedTargets, score } from './scorer';
import type { EvalItem, Secret } from './types';

const HOST: Secret = { value: 'AOBA-PC-0142', kind: 'host' };
const DOMAIN: Secret = { value: 'aoba-seiko.co.jp', kind: 'domain' };
const IDN: Secret = { value: '青葉精工.jp', kind: 'domain' };
const ORG_JA: Secret = { value: '青葉精工株式会社', kind: 'org-name' };
const IP: Secret = { value: '10.41.7.23', kind: 'ip', ip: true };
const V6: Secret = { value: '2001:db8:a0ba::15', kind: 'ip', ip: true };

const leaked = (text: string, s: Secret): boolean => findLeaks([text], [s]).length === 1;

describe('findLeaks: a planted identifier is found in every decoded form', () => {
  const payload = `copy \\\\${HOST.value}.corp.${DOMAIN.value}\\share\\a.exe`;

  test.each([
    ['plain, other case', `beacon from ${HOST.value.toLowerCase()}`],
    ['base64', `-c ${encode.base64(payload)}`],
    ['base64url', `token=${encode.base64url(payload)}`],
    ['UTF-16LE base64 (PowerShell -EncodedCommand)', `powershell -enc ${encode.utf16le(payload)}`],
    ['gzip inside base64', `FromBase64String('${encode.gzipBase64(payload)}')`],
    ['hex', `blob ${encode.hex(payload)}`],
    ['\\x-escaped hex', `str "${encode.hexEscaped(payload)}"`],
    ['URL-encoded', `r=${encode.url(payload)}`],
    ['double URL-encoded', `r=${encode.urlDouble(payload)}`],
    ['HTML entities', `<p>${encode.html(payload)}</p>`],
    ['MIME encoded-word', `Subject: ${encode.mimeB(payload)}`],
    ['full-width Latin', `owner ${encode.fullWidth(HOST.value)}`],
    ['base64 of URL-encoded', encode.base64(encode.url(payload))],
    ['base64 glued to a word', `x${encode.base64(`id=${HOST.value};`)}`],
  ])('%s', (_name, text) => {
    expect(leaked(text, HOST)).toBe(true);
  });

  test('defanged domain', () => {
    expect(leaked(encode.defang(`https://vpn.${DOMAIN.value}/`), DOMAIN)).toBe(true);
  });

  test('IDN domain in punycode and in Unicode', () => {
    expect(leaked(`https://sso.${encode.punycode(IDN.value)}/`, IDN)).toBe(true);
    expect(leaked(`mail.${IDN.value}`, { value: encode.punycode(IDN.value), kind: 'domain' })).toBe(true);
  });

  test('half-width katakana folds to the registered name', () => {
    expect(
      leaked(`owner ${encode.halfWidthKana('アオバセイコウ')}`, { value: 'アオバセイコウ', kind: 'org' }),
    ).toBe(true);
  });

  test('Japanese organisation name inside UTF-16LE', () => {
    expect(leaked(encode.utf16le(`請求書 ${ORG_JA.value} 御中`), ORG_JA)).toBe(true);
  });

  test.each(Object.entries(ipv4Forms(IP.value)))('IPv4 as %s', (_form, text) => {
    expect(leaked(`seen ${text} today`, IP)).toBe(true);
  });

  test('IPv6 exploded and compressed', () => {
    expect(leaked('2001:0db8:a0ba:0000:0000:0000:0000:0015', V6)).toBe(true);
    expect(leaked('to 2001:db8:a0ba::15.', V6)).toBe(true);
  });
});

describe('findLeaks: no false alarms', () => {
  test('masked output and unrelated numbers', () => {
    const out = [
      'Beacon from <host-1a2b3c> at <victim-org> to cdn-update-check.top',
      '110.41.7.230',
      '10.41.7.231',
      'a3f5c1e2b4d6a8f0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8',
    ];
    expect(findLeaks(out, [HOST, DOMAIN, IP, ORG_JA])).toEqual([]);
  });

  test('a dotted address that is part of a longer dotted number is not the address', () => {
    expect(leaked('oid 1.10.41.7.23.5', IP)).toBe(false);
  });
});

function item(id: string, mustHold: boolean, secrets: Secret[] = [HOST]): EvalItem {
  return {
    id,
    format: 'ecs',
    sourceOrg: 'ev-aoba',
    category: mustHold ? 'trap' : 'planted',
    place: mustHold ? 'trap-lookalike' : 'base64',
    receivedAt: '2025-03-03T00:00:00.000Z',
    raw: '{}',
    truth: { secrets, indicators: ['185.220.101.34'], techniques: ['T1059.001'], mustHold },
  };
}

describe('score', () => {
  test('counts leaks only in released output, and reports items without the identifier', () => {
    const items = [item('a', false), item('b', false), item('c', true)];
    const outcomes = new Map<string, ItemOutcome>([
      [
        'a',
        {
          released: [encode.utf16le(`net use \\\\${HOST.value}\\c$`)],
          produced: ['185.220.101.34'],
          held: false,
        },
      ],
      ['b', { released: null, produced: [HOST.value, 'T1059.001', '185.220.101.34'], held: true }],
      ['c', { released: null, produced: ['T1059.001'], held: true }],
    ]);
    const s = score(items, outcomes);
    expect(s.leaks).toBe(1);
    expect(s.leakRecords).toEqual([{ itemId: 'a', format: 'ecs', place: 'base64', kind: 'host' }]);
    expect(JSON.stringify(s)).not.toContain(HOST.value);
    expect(s.counts.clean).toEqual({ total: 2, held: 1 });
    expect(s.trapHoldRecall).toBe(1);
    expect(s.indicatorRetention).toBeCloseTo(2 / 3);
    expect(s.techniqueRecall).toBeCloseTo(2 / 3);
    expect(missedTargets(s)).toEqual(['leaks', 'indicatorRetention', 'techniqueRecall', 'cleanHeldRate']);
  });

  test('a released trap misses the trap target', () => {
    const s = score(
      [item('t', true, [])],
      new Map([
        [
          't',
          { released: ['T1059.001 185.220.101.34'], produced: ['T1059.001 185.220.101.34'], held: false },
        ],
      ]),
    );
    expect(s.trapHoldRecall).toBe(0);
    expect(missedTargets(s)).toEqual(['trapHoldRecall']);
  });

  test('an item without an outcome is an error, not a pass', () => {
    expect(() => score([item('x', false)], new Map())).toThrow('EVAL.MISSING_OUTCOME');
  });
});

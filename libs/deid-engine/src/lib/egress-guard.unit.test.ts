import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { baseAlert, CUSTOMER } from '../testing/fixtures';
import { Customer } from '@kyoyu/contracts';
import { buildVictimDictionary, egressGuard, egressGuardValue, registryDictionary } from './egress-guard';
import * as guardModule from './egress-guard';
import { AhoCorasick } from './aho-corasick';

const dict = buildVictimDictionary(CUSTOMER, baseAlert());
const payload = (text: string): string =>
  JSON.stringify({
    title: 'ET MALWARE beacon',
    description: text,
    indicators: [{ type: 'ipv4', value: '185.220.101.4' }],
  });

describe('egress guard: catches a planted identifier in every decoded view', () => {
  const planted: Array<[string, string]> = [
    ['plain domain', 'see mail.example.co.jp'],
    ['org name (kanji/kana)', '株式会社エグザンプル'],
    ['full-width', 'ＥＸＡＭＰＬＥ．ＣＯ．ＪＰ'],
    ['half-width kana', 'ｴｸﾞｻﾞﾝﾌﾟﾙ'],
    ['URL-encoded', 'https%3A%2F%2Fmail.example.co.jp'],
    ['double URL-encoded', 'https%253A%252F%252Fmail.example.co.jp'],
    ['base64', Buffer.from('user@example.co.jp').toString('base64')],
    ['base64url', Buffer.from('user=x;d=example.co.jp??').toString('base64url')],
    ['UTF-16LE base64', Buffer.from('iwr http://intra.example.co.jp', 'utf16le').toString('base64')],
    ['gzip+base64', gzipSync(Buffer.from('connect files.example.co.jp')).toString('base64')],
    ['hex', Buffer.from('mail.example.co.jp').toString('hex')],
    ['HTML entities', '&#101;&#120;ample&period;co&#46;jp'],
    ['MIME word', `=?UTF-8?B?${Buffer.from('エグザンプル').toString('base64')}?=`],
    ['punycode', 'xn--r8jz45g.jp'],
    ['defanged', 'vpn[.]example[.]co[.]jp'],
    ['NetBIOS', 'EXCORP\\someone'],
    ['SID prefix', 'S-1-5-21-1004336348-1177238915-682003330-500'],
    ['learned user', 'taro.yamada logged on'],
    ['learned host', 'beacon from WEB01'],
    ['dotted internal IP', '10.1.2.3'],
    ['zero-padded IP', '010.001.002.003'],
    ['integer IP', '167837955'],
    ['hex IP', '0x0a010203'],
    ['dashed IP', 'ip-10-1-2-3.compute.internal'],
    ['reverse DNS', '3.2.1.10.in-addr.arpa'],
    ['IPv4-mapped IPv6', '::ffff:10.1.2.3'],
    ['exploded ULA', 'fd00:0000:0000:0000:0000:0000:0000:0001'],
    ['customer public range', '203.0.113.9'],
    ['cloud account', '123456789012'],
    ['\\x-escaped hex', [...Buffer.from('mail.example.co.jp')].map((b) => `\\x${b.toString(16)}`).join('')],
    [
      'UTF-16LE base64 of Japanese text',
      Buffer.from('請求書 株式会社エグザンプル 御中', 'utf16le').toString('base64'),
    ],
    [
      'base64 after a hash',
      `a3f5c1e2b4d6a8f0c2e4b6d8f0a2c4e6 ${Buffer.from('see mail.example.co.jp').toString('base64')}`,
    ],
    ['prefecture (quasi-identifier)', 'seen at the Tokyo site'],
  ];
  test.each(planted)('%s', (_name, text) => {
    const r = egressGuard(payload(text), dict);
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r.hits)).not.toMatch(/example|taro|web01|10\.1\.2\.3|エグザンプル|203\.0\.113/i);
  });

  // The engine guards the event object before it is serialized: it must see exactly what the bytes carry.
  test.each(planted)('%s: the same hits on the value as on its serialized payload', (_name, text) => {
    const value = JSON.parse(payload(text)) as unknown;
    expect(egressGuardValue(value, dict)).toEqual(egressGuard(JSON.stringify(value), dict));
  });

  // The blob scan looks 16 characters ahead before it reads a run: wherever a blob starts after short
  // words and separators, it is still decoded.
  test('a base64 or hex blob is decoded wherever it starts', () => {
    const blobs: Array<[string, string]> = [
      ['base64', Buffer.from('see mail.example.co.jp').toString('base64')],
      ['hex', Buffer.from('mail.example.co.jp').toString('hex')],
    ];
    const filler = fc
      .array(fc.constantFrom('a', 'Z', '9', '-', '/', ' ', '.', ':', '"', 'é'), { maxLength: 40 })
      .map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        filler,
        fc.constantFrom(...blobs),
        fc.constantFrom(' ', '.', ''),
        (before, [view, blob], sep) => {
          const r = egressGuardValue({ note: `${before}${sep}${blob} end` }, dict);
          // Glued to base64 characters, the blob is part of a longer run: it is decoded only on its own.
          if (sep !== '' || before === '') expect(r.hits.map((h) => h.view)).toContain(view);
        },
      ),
    );
  });

  test.each([
    ['defang', 'hXxPs://vpn.example.co.jp/x'],
    ['defang', 'vpn(.)example{.}co[.]jp'],
    ['url', 'https%3A%2F%2Fvpn.example.co.jp'],
    ['punycode', 'XN--R8JZ45G.jp'],
  ])('the %s view is opened however its marker is written: %s', (view, text) => {
    expect(egressGuardValue({ note: text }, dict).hits.map((h) => h.view)).toContain(view);
  });

  test('a member left undefined is not scanned, as it is not serialized', () => {
    const value = { title: 'ET MALWARE beacon', note: 'seen at 185.220.101.4' };
    expect(egressGuardValue({ ...value, ['example.co.jp']: undefined }, dict)).toEqual({
      ok: true,
      hits: [],
    });
    expect(egressGuardValue({ ...value, ['example.co.jp']: 'x' }, dict).ok).toBe(false);
  });

  test('a clean event passes', () => {
    expect(
      egressGuard(
        payload('ET MALWARE FormBook CnC Checkin to 185.220.101.4, T1059.001, CVE-2017-5638'),
        dict,
      ),
    ).toEqual({ ok: true, hits: [] });
  });

  test('it is independent code: no Aho–Corasick automaton, no import of the sanitizer', () => {
    expect(Object.keys(guardModule).sort()).toEqual([
      'buildVictimDictionary',
      'egressGuard',
      'egressGuardValue',
      'registryDictionary',
    ]);
    const spy = jest.spyOn(AhoCorasick.prototype, 'search');
    egressGuard(payload('mail.example.co.jp'), dict);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});

describe('registry-wide dictionary: a check that does not know the source customer', () => {
  const other = Customer.parse({
    ...CUSTOMER,
    id: 'other-jp',
    names: ['Other Holdings'],
    domains: ['other.example'],
    emailDomains: [],
    publicRanges: ['192.0.2.0/24'],
    internalRanges: [],
    adDomains: [{ dnsName: 'ad.other.example', netbiosName: 'OT', sid: 'S-1-5-21-1-2-3' }],
    cloudAccounts: [],
    siemTenants: [],
    keywords: [],
  });
  const registry = [CUSTOMER, other];
  const check = (text: string) =>
    egressGuardValue({ title: 'ET MALWARE beacon', description: text }, registryDictionary(registry));

  test.each([
    ['either customer name', 'Other Holdings was hit'],
    ['either domain', 'beacon to mail.example.co.jp'],
    ['a domain in a decoded view', Buffer.from('vpn.other.example').toString('base64')],
    ['a keyword', 'ExaBank login page'],
    ['a domain SID', 'S-1-5-21-1004336348-1177238915-682003330-500'],
    ['a cloud account', 'account 123456789012'],
    ["an address in a customer's public range", 'from 192.0.2.77'],
  ])('holds %s', (_what, text) => {
    expect(check(text).ok).toBe(false);
  });

  test('leaves what identifies a customer only beside its own alert: NetBIOS name, prefecture', () => {
    expect(check('EXCORP and OT seen from Tokyo; attacker 185.220.101.4').ok).toBe(true);
  });

  test('is compiled once per registry list', () => {
    expect(registryDictionary(registry)).toBe(registryDictionary(registry));
    expect(registryDictionary([...registry])).not.toBe(registryDictionary(registry));
  });
});

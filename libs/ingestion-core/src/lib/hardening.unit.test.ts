import { Alert } from '@kyoyu/contracts';
import { buildAttackCatalogue, DEFAULT_LIMITS, normalizeRecord, parseCef, parseSafeJson } from '../index';
import { AlertBuilder, compact } from './builder';
import { get, parseV4, v4Number } from './util';

/* The fast paths of the trust boundary: each one must keep the behaviour of the simple code it replaced. */

const outcome = (v: string | Buffer, formatHint?: string) =>
  normalizeRecord({
    value: typeof v === 'string' ? Buffer.from(v, 'utf8') : v,
    sourceOrg: 'org-h',
    receivedAt: new Date('2025-03-01T00:00:00Z'),
    ...(formatHint ? { formatHint } : {}),
  });
const reason = (v: string | Buffer, formatHint?: string): string => {
  const o = outcome(v, formatHint);
  return o.kind === 'rejected' ? o.reason : 'normalized';
};
const alertOf = (v: string): Alert => {
  const o = outcome(v);
  if (o.kind !== 'normalized') throw new Error(`rejected ${o.reason}`);
  return Alert.parse(o.alert);
};
const json = (text: string): string => {
  const r = parseSafeJson(text, DEFAULT_LIMITS);
  return r.ok ? 'ok' : r.reason;
};

describe('parseSafeJson: duplicate keys found by member count', () => {
  it.each([
    ['{"a":1,"a":1}', 'DUPLICATE_KEY'],
    ['{"x":{"a":{"deep":1},"a":2}}', 'DUPLICATE_KEY'],
    ['[{"a":1},{"b":2,"b":3}]', 'DUPLICATE_KEY'],
    ['{"a":{"p":1,"q":2},"a":{"p":1,"q":2}}', 'DUPLICATE_KEY'], // the lost copy holds members too
    ['{"b":{},"1":{"k":1,"k":2}}', 'DUPLICATE_KEY'], // integer-like keys are reordered by JSON.parse
    ['{"\\u0061":1,"a":2}', 'DUPLICATE_KEY'],
    ['{"1":1,"01":2,"1.0":3}', 'ok'],
    ['{"a":[{"a":1},{"a":2}],"b":{"a":{"a":1}}}', 'ok'],
    ['{"s":"{\\"a\\":1,\\"a\\":2}"}', 'ok'], // duplicates inside a string are text
    ['[]', 'ok'],
    ['"scalar"', 'ok'],
  ])('%s → %s', (text, expected) => expect(json(text)).toBe(expected));

  it('judges validity before duplicates: malformed JSON with a repeated key is MALFORMED_JSON', () => {
    expect(json('{"a":1,"a":}')).toBe('MALFORMED_JSON');
  });

  it('escaped poison keys are decoded and parsed into null-prototype objects', () => {
    const r = parseSafeJson('{"\\u005f_proto__":{"polluted":1},"x":{"constructor":1}}', DEFAULT_LIMITS);
    if (!r.ok) throw new Error(r.reason);
    const v = r.value as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(Object.getPrototypeOf(v['x'])).toBeNull();
    expect(Object.keys(v)).toEqual(['__proto__', 'x']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('an Object.prototype polluted elsewhere in the process causes no false DUPLICATE_KEY', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto['injectedByAnotherLibrary'] = 1; // enumerable: for…in sees it on every object
    try {
      expect(json('{"a":{"b":1},"c":[{"d":2}]}')).toBe('ok');
      expect(json('{"a":{"b":1,"b":2}}')).toBe('DUPLICATE_KEY');
    } finally {
      delete proto['injectedByAnotherLibrary'];
    }
  });

  it('documents without poison keys keep ordinary objects (no reviver pass)', () => {
    const r = parseSafeJson('{"protocol":{"constructors":1}}', DEFAULT_LIMITS);
    expect(r.ok && Object.getPrototypeOf(r.value)).toBe(Object.prototype);
  });
});

describe('limits at their defaults', () => {
  it('1 MiB is the record limit: one byte more is TOO_LARGE', () => {
    const max = DEFAULT_LIMITS.maxRecordBytes;
    expect(max).toBe(1024 * 1024);
    const pad = (n: number) => `{"event_type":"alert","src_ip":"1.2.3.4","p":[${'1,'.repeat(n)}1]}`;
    const base = pad(0).length;
    expect(reason(Buffer.from(pad(Math.floor((max + 1 - base) / 2) + 1)))).toBe('TOO_LARGE');
  });
  it.each([
    ['depth 65', `${'['.repeat(65)}${']'.repeat(65)}`, 'TOO_DEEP'],
    [
      'depth 64',
      `{"event_type":"alert","src_ip":"1.2.3.4","d":${'['.repeat(63)}${']'.repeat(63)}}`,
      'normalized',
    ],
    ['10,001 fields', `{"a":[${'0,'.repeat(10_000)}0]}`, 'TOO_MANY_FIELDS'],
    ['a 256 KiB + 1 string', `{"a":"${'x'.repeat(256 * 1024 + 1)}"}`, 'STRING_TOO_LONG'],
    ['2^53 + 1', '{"event_type":"alert","src_ip":"1.2.3.4","n":9007199254740993}', 'UNSAFE_NUMBER'],
    ['-(2^53 + 1)', '{"event_type":"alert","src_ip":"1.2.3.4","n":-9007199254740993}', 'UNSAFE_NUMBER'],
    ['2^53 - 1', '{"event_type":"alert","src_ip":"1.2.3.4","n":9007199254740991}', 'normalized'],
    ['a large float', '{"event_type":"alert","src_ip":"1.2.3.4","n":1.5e300}', 'normalized'],
  ])('%s', (_n, text, expected) => expect(reason(text)).toBe(expected));
});

describe('binary garbage and truncation', () => {
  it.each([
    ['PNG header', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'INVALID_UTF8'],
    ['lone continuation byte', Buffer.from([0x7b, 0x80, 0x7d]), 'INVALID_UTF8'],
    ['overlong NUL', Buffer.from([0x7b, 0xc0, 0x80, 0x7d]), 'INVALID_UTF8'],
    ['UTF-16 surrogate in UTF-8', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), 'INVALID_UTF8'],
    ['control bytes', Buffer.from([0x00, 0x01, 0x02, 0x03]), 'UNKNOWN_FORMAT'],
    ['NUL bytes only', Buffer.alloc(16), 'UNKNOWN_FORMAT'],
    ['truncated object', Buffer.from('{"event_type":"alert","src_ip":"1.2'), 'MALFORMED_JSON'],
    ['truncated after a key', Buffer.from('{"event_type":'), 'MALFORMED_JSON'],
    ['truncated escape', Buffer.from('{"a":"\\'), 'MALFORMED_JSON'],
    ['trailing garbage', Buffer.from('{"event_type":"alert","src_ip":"1.2.3.4"} x'), 'MALFORMED_JSON'],
  ])('%s → %s', (_n, bytes, expected) => expect(reason(bytes)).toBe(expected));
});

describe('CEF: keys and words that are Object members stay data', () => {
  it('extension keys named constructor / __proto__ / toString are plain keys', () => {
    const c = parseCef('CEF:0|V|P|1|1|n|3|constructor=x __proto__=y toString=z src=203.0.113.5')!;
    expect([...c.ext]).toEqual([
      ['constructor', 'x'],
      ['__proto__', 'y'],
      ['toString', 'z'],
      ['src', '203.0.113.5'],
    ]);
    expect(reason('CEF:0|V|P|1|1|n|3|constructor=x __proto__=y toString=z')).toBe('normalized');
  });
  it.each(['constructor', '__proto__', 'valueOf', 'hasOwnProperty'])(
    'CEF severity %s is an unknown word (score 0), not an Object member',
    (word) => expect(alertOf(`CEF:0|V|P|1|1|n|${word}|src=203.0.113.5`).severity.score).toBe(0),
  );
  it('ECS kibana.alert.severity "constructor" falls back to medium (50)', () => {
    const doc = {
      '@timestamp': '2025-03-01T00:00:00Z',
      'event.kind': 'alert',
      'kibana.alert.severity': 'constructor',
    };
    expect(alertOf(JSON.stringify(doc)).severity).toEqual({
      score: 50,
      label: 'medium',
      native: 'constructor',
    });
  });
});

describe('CEF extension keys: linear key search', () => {
  it('a value may contain "=", an escaped "=" is never a delimiter, a key must follow whitespace', () => {
    const c = parseCef('CEF:0|V|P|1|1|n|3|request=http://x/?a=1&b=2 k\\=v=1 msg=a\\=b c=d x=y=z')!;
    expect(Object.fromEntries(c.ext)).toEqual({
      request: 'http://x/?a=1&b=2 k=v=1',
      msg: 'a=b',
      c: 'd',
      x: 'y=z',
    });
  });
  it('a 256 KiB line of "a=a=a=…" parses (linear, not quadratic, in the "=" count)', () => {
    const line = `CEF:0|V|P|1|1|n|3|k=${'a='.repeat((DEFAULT_LIMITS.maxStringLength - 32) / 2)}`;
    expect(line.length).toBeLessThanOrEqual(DEFAULT_LIMITS.maxStringLength);
    const c = parseCef(line)!;
    expect(c.ext.size).toBe(1);
    expect(reason(line)).toBe('normalized');
  });
  it('full ArcSight names map to short keys; the first occurrence of a key wins', () => {
    const c = parseCef('CEF:0|V|P|1|1|n|3|sourceAddress=198.51.100.1 src=10.0.0.1 message=hello')!;
    expect(c.ext.get('src')).toBe('198.51.100.1');
    expect(c.ext.get('msg')).toBe('hello');
  });
});

describe('get: dotted paths over own properties', () => {
  const doc = JSON.parse(
    '{"kibana.alert.rule.name":"flat","host":{"name":"nested","os.name":"mixed"},"a":{"b.c":{"d":1}},"n":null}',
  ) as unknown;
  it.each([
    ['kibana.alert.rule.name', 'flat'],
    ['host.name', 'nested'],
    ['host.os.name', 'mixed'],
    ['a.b.c.d', 1],
    ['n', null],
    ['host.missing', undefined],
    ['constructor', undefined],
    ['toString', undefined],
    ['__proto__', undefined],
    ['host.constructor.name', undefined],
  ])('%s → %p', (path, expected) => expect(get(doc, path)).toBe(expected));
  it('reads null-prototype objects and never non-objects', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o['x'] = { y: 2 };
    expect(get(o, 'x.y')).toBe(2);
    expect(get('string', 'length')).toBeUndefined();
    expect(get([1, 2], '0')).toBeUndefined();
  });
});

describe('IPv4 without a regex', () => {
  it.each([
    ['1.2.3.4', [1, 2, 3, 4]],
    ['000.111.222.10', [0, 111, 222, 10]],
    ['255.255.255.255', [255, 255, 255, 255]],
    ['256.1.1.1', undefined],
    ['1.2.3', undefined],
    ['1.2.3.4.5', undefined],
    ['1..2.3', undefined],
    ['1.2.3.4 ', undefined],
    ['1234.1.1.1', undefined],
    ['١.٢.٣.٤', undefined],
    ['', undefined],
  ])('%s', (s, expected) => {
    expect(parseV4(s)).toEqual(expected);
    expect(v4Number(s) >= 0).toBe(expected !== undefined);
  });
});

describe('builder', () => {
  it('compact drops undefined members only and keeps their order', () => {
    expect(Object.entries(compact({ a: 1, b: undefined, c: null, d: 0, e: false, f: '' }))).toEqual([
      ['a', 1],
      ['c', null],
      ['d', 0],
      ['e', false],
      ['f', ''],
    ]);
  });
  it('de-duplicates texts and indicators past the linear-scan size', () => {
    const b = new AlertBuilder('cef', undefined);
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 120; i++) {
        b.text(`f${i % 7}`, `text ${i}`);
        b.indicator('ipv4', `198.51.100.${i}`, 'attacker', 'src');
      }
    b.text('f0', 'text 0');
    const a = b.build({
      id: 'x',
      sourceOrg: 'o',
      receivedAt: '2025-03-01T00:00:00.000Z',
      raw: '',
      contentType: 'text',
    });
    expect(a.texts).toHaveLength(120);
    expect(a.indicators).toHaveLength(120);
    expect(new Set(a.indicators.map((i) => i.value)).size).toBe(120);
  });
  it('resolves tactic ids against the catalogue (id → shortname and name)', () => {
    const cat = buildAttackCatalogue(
      [{ id: 'T1059', name: 'Command and Scripting Interpreter' }],
      [
        { id: 'TA0002', shortname: 'execution', name: 'Execution' },
        { id: 'TA0011', shortname: 'command-and-control', name: 'Command and Control' },
      ],
    );
    const b = new AlertBuilder('cef', cat);
    b.attack.tactic('TA0011');
    b.attack.tactic('execution');
    b.attack.tactic('TA0099');
    expect(b.attack.resultTactics()).toEqual([
      { id: 'TA0011', shortname: 'command-and-control', name: 'Command and Control', known: true },
      { id: 'TA0002', shortname: 'execution', name: 'Execution', known: true },
      { id: 'TA0099', known: false },
    ]);
  });
});

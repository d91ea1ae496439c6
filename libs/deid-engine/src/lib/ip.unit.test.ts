import fc from 'fast-check';
import { compileRanges, findVictimIps, parseV4, parseV6, sideOfIp } from './ip';

const customer = compileRanges(['203.0.113.0/24', '2001:db8:1234::/48']);
const none = compileRanges([]);

describe('IP sides and forms', () => {
  test.each([
    ['10.0.0.1', 'internal'],
    ['172.31.255.1', 'internal'],
    ['192.168.1.1', 'internal'],
    ['100.64.0.1', 'internal'],
    ['169.254.1.1', 'internal'],
    ['127.0.0.1', 'internal'],
    ['fd00::1', 'internal'],
    ['fe80::1', 'internal'],
    ['::1', 'internal'],
    ['::ffff:10.0.0.1', 'internal'],
    ['203.0.113.7', 'customer'],
    ['2001:db8:1234:1::1', 'customer'],
    ['185.220.101.4', 'external'],
    ['2001:4860::8888', 'external'],
  ])('%s is %s', (ip, side) => {
    expect(sideOfIp(ip, customer, none)).toBe(side);
  });
  test('parses exploded and compressed IPv6 alike', () => {
    expect(parseV6('fd12:0000:0000:0000:0000:0000:0000:0001')).toEqual(parseV6('fd12::1'));
  });
  test('finds every textual form, leaves external addresses alone', () => {
    const text =
      '10.1.2.3 010.001.002.003 167837955 0x0A010203 ip-10-1-2-3 3.2.1.10.in-addr.arpa ::ffff:10.1.2.3 185.220.101.4';
    expect(
      findVictimIps(text, customer, none)
        .map((s) => s.form)
        .sort(),
    ).toEqual(
      // the mapped address is also seen as dotted inside the IPv6 span; overlaps are resolved when edits are applied
      ['dashed', 'dotted', 'dotted', 'dotted', 'hex', 'integer', 'ipv6', 'reverse-dns'].sort(),
    );
  });
  test('parses dotted quads exactly as the one-to-three-digit pattern does', () => {
    const reference = (s: string): number | null => {
      const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
      const parts = m ? m.slice(1).map(Number) : [];
      if (!m || parts.some((p) => p > 255)) return null;
      return parts.reduce((n, p) => n * 256 + p, 0);
    };
    expect(parseV4(' 010.001.002.255\n')).toBe(((10 * 256 + 1) * 256 + 2) * 256 + 255);
    expect(parseV4('1.2.3.256')).toBeNull();
    expect(parseV4('1.2.3')).toBeNull();
    expect(parseV4('1..2.3')).toBeNull();
    expect(parseV4('1.2.3.4.')).toBeNull();
    expect(parseV4('0001.2.3.4')).toBeNull();
    fc.assert(
      fc.property(
        fc
          .array(fc.constantFrom('1', '2', '5', '0', '9', '.', ' ', 'a'), { maxLength: 18 })
          .map((c) => c.join('')),
        (s) => {
          expect(parseV4(s)).toBe(reference(s));
        },
      ),
    );
  });
});

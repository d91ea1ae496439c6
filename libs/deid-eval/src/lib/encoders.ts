import { domainToASCII } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The ways attackers' tooling and SIEMs wrap a string: what the evaluation plants and the scorer unwraps. */
export const encode = {
  base64: (s: string): string => Buffer.from(s, 'utf8').toString('base64'),
  base64url: (s: string): string => Buffer.from(s, 'utf8').toString('base64url'),
  /** PowerShell `-EncodedCommand`: base64 of UTF-16LE. */
  utf16le: (s: string): string => Buffer.from(s, 'utf16le').toString('base64'),
  /** gzip then base64 (PowerShell `IO.Compression.GzipStream` droppers). mtime fixed by Node: deterministic. */
  gzipBase64: (s: string): string => gzipSync(Buffer.from(s, 'utf8')).toString('base64'),
  hex: (s: string): string => Buffer.from(s, 'utf8').toString('hex'),
  hexEscaped: (s: string): string =>
    [...Buffer.from(s, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join(''),
  url: (s: string): string =>
    [...Buffer.from(s, 'utf8')]
      .map((b) =>
        /[A-Za-z0-9]/.test(String.fromCharCode(b))
          ? String.fromCharCode(b)
          : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
      )
      .join(''),
  urlDouble: (s: string): string => encode.url(encode.url(s)),
  /** Every character as a numeric entity (mixed decimal and hex). */
  html: (s: string): string =>
    [...s]
      .map((ch, i) => (i % 2 ? `&#${ch.codePointAt(0)};` : `&#x${ch.codePointAt(0)?.toString(16)};`))
      .join(''),
  mimeB: (s: string): string => `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`,
  mimeQ: (s: string): string =>
    `=?UTF-8?Q?${[...Buffer.from(s, 'utf8')]
      .map((b) =>
        /[A-Za-z0-9]/.test(String.fromCharCode(b))
          ? String.fromCharCode(b)
          : b === 32
            ? '_'
            : `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
      )
      .join('')}?=`,
  /** Full-width Latin (what Japanese IMEs produce): `Ａｏｂａ`. */
  fullWidth: (s: string): string =>
    [...s]
      .map((ch) => {
        const c = ch.charCodeAt(0);
        if (c === 32) return '\u3000';
        return c > 32 && c < 127 ? String.fromCharCode(c + 0xfee0) : ch;
      })
      .join(''),
  /** Half-width katakana (legacy systems): `ｱｵﾊﾞ`. */
  halfWidthKana: (s: string): string => {
    let out = '';
    for (const ch of s.normalize('NFD')) {
      const c = ch.codePointAt(0) as number;
      if (c === 0x3099) out += '\uff9e';
      else if (c === 0x309a) out += '\uff9f';
      else out += HALF_KANA[ch] ?? ch;
    }
    return out;
  },
  punycode: (domain: string): string => domainToASCII(domain) || domain,
  defang: (s: string): string => s.replace(/\./g, '[.]').replace(/^http/i, 'hxxp').replace(/@/g, '[@]'),
};

const FULL =
  'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォャュョッー';
const HALF = 'ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｬｭｮｯｰ';
const HALF_KANA: Record<string, string> = Object.fromEntries(
  [...FULL].map((ch, i) => [ch, HALF[i] as string]),
);

/** Every textual form of an IPv4 address that tools and logs use. */
export function ipv4Forms(ip: string): Record<string, string> {
  const o = ip.split('.').map(Number);
  const n =
    ((o[0] as number) * 2 ** 24 + (o[1] as number) * 65536 + (o[2] as number) * 256 + (o[3] as number)) >>> 0;
  const hex = n.toString(16).padStart(8, '0');
  return {
    dotted: ip,
    zeroPadded: o.map((x) => String(x).padStart(3, '0')).join('.'),
    integer: String(n),
    hex: `0x${hex}`,
    dashed: `ip-${o.join('-')}`,
    reverseDns: `${[...o].reverse().join('.')}.in-addr.arpa`,
    v4Mapped: `::ffff:${ip}`,
    v4MappedHex: `::ffff:${hex.slice(0, 4)}:${hex.slice(4)}`,
  };
}

/** `2001:db8:a0ba::15` → `2001:0db8:a0ba:0000:0000:0000:0000:0015`. */
export function explodeV6(ip: string): string {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

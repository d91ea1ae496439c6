import { createHmac } from 'node:crypto';
import { caseIdFor, HmacSha256, Pseudonymizer } from './pseudonym';

const reference = (secret: Buffer, parts: string[]): string => {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

describe('keyed pseudonyms', () => {
  const secrets = [
    Buffer.from('kyoyu-eval-secret-0123456789abcdef'),
    Buffer.alloc(64, 7),
    Buffer.from('a key longer than one SHA-256 block is hashed first, as RFC 2104 says it must be!'),
    Buffer.alloc(0),
  ];

  test.each(secrets.map((s) => [s.length, s] as const))(
    'HmacSha256 equals node:crypto createHmac (key of %i bytes)',
    (_len, secret) => {
      for (const m of ['', 'case-1\u0000host\u0000web01', 'ホスト名\u0000ＷＥＢ０１', 'x'.repeat(300)])
        expect(new HmacSha256(secret).hex(m)).toBe(reference(secret, [m]));
    },
  );

  test('case ids and pseudonyms are the HMAC of the documented inputs', () => {
    const secret = secrets[0] as Buffer;
    const caseId = caseIdFor(secret, 'alert-1');
    expect(caseId).toBe(`case-${reference(secret, ['kyoyu.case\u0000', 'alert-1']).slice(0, 32)}`);
    const p = new Pseudonymizer(secret, caseId);
    expect(p.get('host', ' WEB01 ')).toBe(
      `<host-${reference(secret, [caseId, '\u0000', 'host\u0000web01']).slice(0, 6)}>`,
    );
    expect(p.get('user', 'Ｔａｒｏ')).toBe(p.get('user', 'taro'));
  });

  test('unlinkable across cases and keys', () => {
    const [a, b] = secrets as [Buffer, Buffer];
    expect(new Pseudonymizer(a, 'case-1').get('host', 'web01')).not.toBe(
      new Pseudonymizer(a, 'case-2').get('host', 'web01'),
    );
    expect(new Pseudonymizer(a, 'case-1').get('host', 'web01')).not.toBe(
      new Pseudonymizer(b, 'case-1').get('host', 'web01'),
    );
  });
});

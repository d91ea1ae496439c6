import { v5 as uuidv5 } from 'uuid';
import { KYOYU_NAMESPACE, stixId } from './stix-id';

describe('stixId', () => {
  // Ids are delivered to subscribers and stored; a redelivered or revoked event must keep them.
  it('keeps the ids earlier versions delivered', () => {
    expect(stixId('indicator', 'evt-1', 'ipv4', '185.220.101.1')).toBe(
      'indicator--04f250d2-9c3d-51f5-8f5d-f632dca009b7',
    );
  });

  it("gives uuid's v5 of the NUL-joined parts in kyoyu's namespace, whatever the parts", () => {
    const cases: string[][] = [
      [],
      [''],
      ['evt-1'],
      ['evt-1', 'ipv4', '185.220.101.1'],
      ['evt-2', 'url', 'http://例え.jp/パス?q=ü'],
      ['evt-3', 'domain', '\u0000inside'],
      ['x'.repeat(5_000)],
      ...Array.from({ length: 200 }, (_, i) => [`evt-${i}`, 'sha256', i.toString(16).padStart(64, 'a')]),
    ];
    for (const parts of cases) {
      expect(stixId('sighting', ...parts)).toBe(
        `sighting--${uuidv5(Buffer.from(parts.join('\u0000'), 'utf8'), KYOYU_NAMESPACE)}`,
      );
    }
  });
});

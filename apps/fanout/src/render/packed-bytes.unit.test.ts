import { pack, unpack } from './packed-bytes';

describe('pack / unpack', () => {
  it('gives back every byte string in its place, and null where one was missing', () => {
    const parts = [Buffer.from('ab'), null, Buffer.from(''), Buffer.from('ü-c'), null];
    const packed = pack(parts);
    expect(packed.ends).toEqual([2, -1, 2, 6, -1]);
    expect(Buffer.from(packed.bytes).toString('utf8')).toBe('abü-c');
    expect(unpack(packed).map((p) => (p ? p.toString('utf8') : null))).toEqual(['ab', null, '', 'ü-c', null]);
  });

  it('unpacks views of a sub-range of a larger buffer, as a transferred batch can be', () => {
    const packed = pack([Buffer.from('xy'), Buffer.from('z')]);
    const outer = Buffer.concat([Buffer.from('---'), Buffer.from(packed.bytes)]);
    const parts = unpack({ bytes: outer.subarray(3), ends: packed.ends });
    expect(parts.map((p) => p?.toString('utf8'))).toEqual(['xy', 'z']);
  });
});

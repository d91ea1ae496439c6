import { createHash } from 'node:crypto';
import { deterministicId, sha256Hex } from './ids';

describe('deterministic ids', () => {
  // Ids are stored (event ids, delivery rows) and recomputed on replay: they must never change.
  it('keeps the ids earlier versions stored', () => {
    expect(deterministicId('event', 'alert-1')).toBe('d262e1213bdfbfa4c16fe3139d658b91');
    expect(deterministicId('x')).toBe('2d711642b726b04401627ca9fbac32f5');
    expect(deterministicId('n', 'a', 'b\u00e9', '漢字')).toBe('f5fac49838815d446df909d1dba161e2');
  });

  it('gives the digest of the parts fed one by one, separated by NUL', () => {
    for (const parts of [[], [''], ['a', ''], ['', ''], ['📦', 'x\u0000y']]) {
      const h = createHash('sha256').update('ns');
      for (const p of parts) h.update('\u0000').update(p);
      expect(deterministicId('ns', ...parts)).toBe(h.digest('hex').slice(0, 32));
    }
  });

  it('hashes strings as UTF-8 and buffers as they are', () => {
    expect(sha256Hex('{"a":1}')).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
    expect(sha256Hex(Buffer.from([0, 1, 2]))).toBe(
      'ae4b3280e56e2faf83f414a6e3dabe9d5fbe18976544c05fed121accb85b53fc',
    );
  });
});

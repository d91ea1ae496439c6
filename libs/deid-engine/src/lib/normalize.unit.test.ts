import fc from 'fast-check';
import { registrable } from './normalize';

/** The definition: every non-empty label, then the last two (three under a known second-level suffix). */
function reference(domain: string): { label: string; registrable: string } | null {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.').filter(Boolean);
  if (labels.length < 2) return null;
  const n = ['co.jp', 'co.uk', 'or.jp'].includes(labels.slice(-2).join('.')) && labels.length >= 3 ? 3 : 2;
  const reg = labels.slice(-n);
  return { label: reg[0] as string, registrable: reg.join('.') };
}

describe('registrable domain', () => {
  test.each([
    ['mail.corp.example.co.jp', 'example', 'example.co.jp'],
    ['Example.COM.', 'example', 'example.com'],
    ['a..b.example.org', 'example', 'example.org'],
  ])('%s → %s', (domain, label, reg) => {
    expect(registrable(domain)).toEqual({ label, registrable: reg });
  });

  test('a single label has none', () => {
    expect(registrable('localhost')).toBeNull();
    expect(registrable('..x..')).toBeNull();
  });

  test('agrees with splitting the whole name', () => {
    const part = fc.constantFrom('a', 'b', '.', '..', 'co', 'jp', 'uk', 'or', 'X');
    fc.assert(
      fc.property(
        fc.array(part, { maxLength: 10 }).map((p) => p.join('')),
        (d) => {
          expect(registrable(d)).toEqual(reference(d));
        },
      ),
    );
  });
});

import { table } from './output';
import { parseTime } from './time';

describe('parseTime', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  it.each([
    ['now', now],
    ['90m', now - 90 * 60_000],
    ['6h', now - 6 * 3_600_000],
    ['2d', now - 2 * 86_400_000],
    ['2026-11-22T10:00:00Z', Date.parse('2026-11-22T10:00:00Z')],
  ])('%s', (value, expected) => expect(parseTime(value, now)).toBe(expected));

  it('rejects anything else with a usage error', () => {
    expect(() => parseTime('yesterday', now)).toThrow(RangeError);
    expect(() => parseTime('6w', now)).toThrow(RangeError);
  });
});

describe('table', () => {
  it('pads columns to the widest cell and renders lists and dates', () => {
    expect(
      table([
        { id: 'a', n: 1, tags: ['x', 'y'] },
        { id: 'long-id', n: 22, tags: [] },
      ]),
    ).toBe(['id       n   tags', '-------  --  ----', 'a        1   x,y', 'long-id  22'].join('\n'));
    expect(table([])).toBe('(none)');
  });
});

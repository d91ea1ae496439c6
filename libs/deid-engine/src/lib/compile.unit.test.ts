import { CUSTOMER } from '../testing/fixtures';
import { compileCustomer, type LearnedIdentifiers, learnedMatcherFor } from './compile';
import { PatternList } from './pattern-list';

function learned(hosts: string[]): LearnedIdentifiers {
  return { hosts, hostIds: [], users: [], emails: [], domains: [], macs: [], sids: [], ips: [] };
}

describe('learnedMatcherFor', () => {
  // Only speed depends on the choice (both matchers report identical matches, property-tested in
  // pattern-list.unit.test.ts), so this pins it: the list's repeated native search costs text × name length
  // where a long name overlaps itself, the automaton stays linear.
  it('searches an ordinary handful of learned names with the plain list', () => {
    const m = learnedMatcherFor(compileCustomer(CUSTOMER), learned(['ws-0142', 'fs01']), []);
    expect(m).toBeInstanceOf(PatternList);
    expect(m?.search('logon from ws-0142 to fs01').map((x) => x.start)).toEqual([11, 22]);
  });

  it('takes the automaton for a learned name longer than PatternList.MAX_LENGTH', () => {
    const long = 'a'.repeat(PatternList.MAX_LENGTH + 1);
    const m = learnedMatcherFor(compileCustomer(CUSTOMER), learned(['ws-0142', long]), []);
    expect(m).not.toBeNull();
    expect(m).not.toBeInstanceOf(PatternList);
    expect(m?.search(`x ${long}a`).map((x) => [x.start, x.end])).toContainEqual([2, 2 + long.length]);
  });

  it('takes the automaton beyond PatternList.MAX names', () => {
    const names = Array.from({ length: PatternList.MAX + 1 }, (_, i) => `host-${i}`);
    const m = learnedMatcherFor(compileCustomer(CUSTOMER), learned(names), []);
    expect(m).not.toBeInstanceOf(PatternList);
    expect(m?.search('seen on host-64 only').map((x) => x.start)).toContain(8);
  });
});

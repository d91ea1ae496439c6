import type { AcMatch } from './aho-corasick';

/** What the sanitizer needs of a set of patterns: every occurrence, in the automaton's order. */
export interface PatternMatcher<T> {
  search(text: string): AcMatch<T>[];
}

/**
 * A handful of patterns (an alert's own host, user and domain names) found with the engine's native
 * substring search, one linear pass per pattern: for so few, building an automaton per alert cost more
 * than every search it then ran (allocation, and the garbage it left). The registry, with its thousands
 * of names, keeps the automaton. Matches come in the automaton's order: by end offset, longer first, then
 * in the order the patterns were added, overlapping occurrences included.
 */
export class PatternList<T> implements PatternMatcher<T> {
  /** Above this many patterns the caller should build an automaton instead. */
  static readonly MAX = 64;
  /**
   * Nor for patterns longer than this (longer than any real host, user or domain name): finding every
   * overlapping occurrence of a pattern of length m costs up to m per occurrence.
   */
  static readonly MAX_LENGTH = 256;
  private readonly patterns: Array<{ text: string; payload: T }> = [];

  add(pattern: string, payload: T): void {
    if (pattern.length > 0) this.patterns.push({ text: pattern, payload });
  }

  get size(): number {
    return this.patterns.length;
  }

  search(text: string): AcMatch<T>[] {
    const found: AcMatch<T>[] = [];
    for (const p of this.patterns) {
      for (let at = text.indexOf(p.text); at !== -1; at = text.indexOf(p.text, at + 1)) {
        found.push({ start: at, end: at + p.text.length, payload: p.payload });
      }
    }
    // Stable: equal (end, length) keep the order the patterns were added in, as the automaton reports them.
    if (found.length > 1) found.sort((a, b) => a.end - b.end || b.end - b.start - (a.end - a.start));
    return found;
  }
}

/**
 * Aho–Corasick automaton over UTF-16 code units: every pattern is found in one linear pass over the text,
 * however many patterns there are. Patterns and text are compared as given; callers fold case first.
 */
export interface AcMatch<T> {
  /** Inclusive start offset in the scanned text. */
  start: number;
  /** Exclusive end offset. */
  end: number;
  payload: T;
}

interface Node {
  next: Map<number, number>;
  fail: number;
  /** Patterns ending here (own), as indexes into `patterns`. */
  out: number[];
  /** Nearest node on the fail chain with output, or -1. */
  dictLink: number;
}

export class AhoCorasick<T> {
  private readonly nodes: Node[] = [{ next: new Map(), fail: 0, out: [], dictLink: -1 }];
  private readonly patterns: Array<{ length: number; payload: T }> = [];
  /**
   * Full DFA for ASCII input over a compressed alphabet (node × classes → node): one table read per
   * character, no failure walks. ASCII characters that occur in no pattern share class 0 (back to the
   * fail chain's root transitions), so an automaton of a few learned names builds a table of a few
   * thousand cells instead of node × 128. A cell holds the target's row offset (node × classes), bitwise
   * negated when the target has output on its dictionary chain: the scan neither multiplies nor reads a
   * second table per character.
   */
  private ascii = new Int32Array(0);
  private readonly classOf = new Uint8Array(128);
  private classes = 1;
  /** Per node: the node itself if it has output, else its dictionary link (-1: none). */
  private outAt = new Int32Array(0);
  /**
   * Non-ASCII code units that occur in some pattern. Any other one (most of a Japanese text) leads every
   * state back to the root: no failure walk.
   */
  private readonly wide = new Set<number>();
  private built = false;

  add(pattern: string, payload: T): void {
    if (this.built) throw new Error('DEID.AC_ALREADY_BUILT');
    if (pattern.length === 0) return;
    let cur = 0;
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      const node = this.nodes[cur] as Node;
      let nxt = node.next.get(c);
      if (nxt === undefined) {
        nxt = this.nodes.length;
        this.nodes.push({ next: new Map(), fail: 0, out: [], dictLink: -1 });
        node.next.set(c, nxt);
      }
      cur = nxt;
    }
    (this.nodes[cur] as Node).out.push(this.patterns.length);
    this.patterns.push({ length: pattern.length, payload });
  }

  build(): this {
    const root = this.nodes[0] as Node;
    const queue: number[] = [];
    for (const child of root.next.values()) {
      const n = this.nodes[child] as Node;
      n.fail = 0;
      queue.push(child);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const id = queue[qi] as number;
      const node = this.nodes[id] as Node;
      for (const [c, child] of node.next) {
        let f = node.fail;
        while (f !== 0 && !(this.nodes[f] as Node).next.has(c)) f = (this.nodes[f] as Node).fail;
        const target = (this.nodes[f] as Node).next.get(c);
        const childNode = this.nodes[child] as Node;
        childNode.fail = target !== undefined && target !== child ? target : 0;
        const failNode = this.nodes[childNode.fail] as Node;
        childNode.dictLink = failNode.out.length > 0 ? childNode.fail : failNode.dictLink;
        queue.push(child);
      }
    }
    const n = this.nodes.length;
    const used: number[] = [];
    for (const node of this.nodes)
      for (const c of node.next.keys()) {
        if (c >= 128) this.wide.add(c);
        else if (this.classOf[c] === 0) {
          used.push(c);
          this.classOf[c] = used.length;
        }
      }
    const k = used.length + 1;
    this.classes = k;
    this.ascii = new Int32Array(n * k);
    this.outAt = new Int32Array(n);
    // BFS order guarantees a node's failure target is filled before the node itself. Class 0 (a character
    // in no pattern) always leads back to the root: its cells stay 0.
    const order = [0, ...queue];
    for (const id of order) {
      const node = this.nodes[id] as Node;
      this.outAt[id] = node.out.length > 0 ? id : node.dictLink;
      for (let x = 1; x < k; x++) {
        const direct = node.next.get(used[x - 1] as number);
        this.ascii[id * k + x] =
          direct !== undefined ? direct : id === 0 ? 0 : (this.ascii[node.fail * k + x] as number);
      }
    }
    // Node ids → encoded rows, once every node's output is known.
    for (let cell = 0; cell < n * k; cell++) this.ascii[cell] = this.rowOf(this.ascii[cell] as number);
    this.built = true;
    return this;
  }

  get size(): number {
    return this.patterns.length;
  }

  /** All (possibly overlapping) matches, in order of their end offset. */
  search(text: string): AcMatch<T>[] {
    if (!this.built) this.build();
    const found: AcMatch<T>[] = [];
    if (this.patterns.length === 0) return found;
    const ascii = this.ascii;
    const classOf = this.classOf;
    const k = this.classes;
    const n = text.length;
    let row = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      const cell =
        c < 128 ? (ascii[row + (classOf[c] as number)] as number) : this.rowOf(this.stepWide(row / k, c));
      if (cell < 0) {
        row = ~cell;
        this.collect(this.outAt[row / k] as number, i + 1, found);
      } else row = cell;
    }
    return found;
  }

  /** A node's row offset in the ASCII table, bitwise negated when a pattern ends on its dictionary chain. */
  private rowOf(node: number): number {
    return (this.outAt[node] as number) > 0 ? ~(node * this.classes) : node * this.classes;
  }

  /** A transition on a non-ASCII code unit: the trie's own edges and failure links. */
  private stepWide(from: number, c: number): number {
    if (!this.wide.has(c)) return 0;
    const nodes = this.nodes;
    let cur = from;
    for (;;) {
      const nxt = (nodes[cur] as Node).next.get(c);
      if (nxt !== undefined) return nxt;
      if (cur === 0) return 0;
      cur = (nodes[cur] as Node).fail;
    }
  }

  /** Every pattern ending at `end` along the dictionary chain starting at node `first`. */
  private collect(first: number, end: number, found: AcMatch<T>[]): void {
    for (let o = first; o > 0;) {
      const on = this.nodes[o] as Node;
      for (const pi of on.out) {
        const p = this.patterns[pi] as { length: number; payload: T };
        found.push({ start: end - p.length, end, payload: p.payload });
      }
      o = on.dictLink;
    }
  }
}

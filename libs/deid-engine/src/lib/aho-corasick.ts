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
   * thousand cells instead of node × 128.
   */
  private ascii = new Int32Array(0);
  private readonly classOf = new Uint8Array(128);
  private classes = 1;
  /** Per node: the node itself if it has output, else its dictionary link (-1: none). */
  private outAt = new Int32Array(0);
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
      for (const c of node.next.keys())
        if (c < 128 && this.classOf[c] === 0) {
          used.push(c);
          this.classOf[c] = used.length;
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
    const nodes = this.nodes;
    let cur = 0;
    const ascii = this.ascii;
    const outAt = this.outAt;
    const classOf = this.classOf;
    const k = this.classes;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 128) {
        cur = ascii[cur * k + (classOf[c] as number)] as number;
      } else {
        for (;;) {
          const nxt = (nodes[cur] as Node).next.get(c);
          if (nxt !== undefined) {
            cur = nxt;
            break;
          }
          if (cur === 0) break;
          cur = (nodes[cur] as Node).fail;
        }
      }
      let o = outAt[cur] as number;
      while (o > 0) {
        const on = nodes[o] as Node;
        for (const pi of on.out) {
          const p = this.patterns[pi] as { length: number; payload: T };
          found.push({ start: i + 1 - p.length, end: i + 1, payload: p.payload });
        }
        o = on.dictLink;
      }
    }
    return found;
  }
}

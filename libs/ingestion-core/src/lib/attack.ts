import type { Tactic, Technique } from '@kyoyu/contracts';
import { isObj, str } from './util';

/** The ATT&CK catalogue the stage validates ids against. Built from data handed in; never read from disk here. */
export interface AttackCatalogue {
  techniques: Map<string, { name: string }>;
  /** Keyed by shortname, e.g. `initial-access`. */
  tactics: Map<string, { id: string; name: string }>;
}

/** From the shapes of `attack/enterprise-techniques.json` and `attack/enterprise-tactics.json`. Revoked entries are left out. */
export function buildAttackCatalogue(techniquesJson: unknown, tacticsJson: unknown): AttackCatalogue {
  const techniques = new Map<string, { name: string }>();
  const tactics = new Map<string, { id: string; name: string }>();
  if (Array.isArray(techniquesJson)) {
    for (const t of techniquesJson) {
      if (!isObj(t) || t['revoked'] === true) continue;
      const id = str(t['id']);
      const name = str(t['name']);
      if (id && name) techniques.set(id.toUpperCase(), { name });
    }
  }
  if (Array.isArray(tacticsJson)) {
    for (const t of tacticsJson) {
      if (!isObj(t) || t['revoked'] === true) continue;
      const id = str(t['id']);
      const shortname = str(t['shortname']);
      const name = str(t['name']);
      if (id && shortname && name) tactics.set(shortname, { id: id.toUpperCase(), name });
    }
  }
  return { techniques, tactics };
}

const TECH_ID = /^T\d{4}(?:\.\d{3})?$/;
const TACTIC_ID = /^TA\d{4}$/;
/** `attack.t1059.001` (Sigma tags) or a bare upper-case `T1059.001`; bare lower-case `t1059` only as a whole value. */
const TECH_IN_TEXT = /(?:\battack\.(t\d{4}(?:\.\d{3})?)\b)|\b(T\d{4}(?:\.\d{3})?)\b/gi;
const TACTIC_IN_TEXT = /\b(TA\d{4})\b/g;

export const normTechniqueId = (s: string): string | undefined => {
  const u = s.trim().toUpperCase();
  return TECH_ID.test(u) ? u : undefined;
};

/** Collects ATT&CK ids, upper-cased and de-duplicated, and resolves them against the catalogue. */
export class AttackCollector {
  private readonly techniques = new Map<string, string | undefined>();
  private readonly tactics = new Map<string, { id?: string; shortname?: string; name?: string }>();

  constructor(private readonly catalogue?: AttackCatalogue) {}

  technique(raw: string | undefined, name?: string): void {
    if (!raw) return;
    const id = normTechniqueId(raw);
    if (!id) return;
    if (!this.techniques.has(id) || (name && !this.techniques.get(id))) this.techniques.set(id, name);
  }

  /** Ids as found in free text (Sigma tags, `T1059.001`, `TA0002`). Bare `t1234` counts only when it is the whole value. */
  fromText(text: string | undefined): void {
    if (!text) return;
    if (/^t\d{4}(\.\d{3})?$/i.test(text.trim())) this.technique(text);
    if (text.length > 8192) text = text.slice(0, 8192);
    if (text.search(/t\d{4}/i) < 0) return;
    for (const m of text.matchAll(TECH_IN_TEXT)) {
      const id = m[1] ?? m[2];
      if (id && (m[1] !== undefined || /^T/.test(id))) this.technique(id);
    }
    for (const m of text.matchAll(TACTIC_IN_TEXT)) if (m[1]) this.tactic(m[1]);
  }

  /** A tactic as id (`TA0001`), shortname (`initial-access`) or name (`Initial Access`). */
  tactic(raw: string | undefined, name?: string): void {
    if (!raw) return;
    const t = raw.trim();
    if (t.length === 0 || t.length > 128) return;
    const upper = t.toUpperCase();
    let key: string;
    let entry: { id?: string; shortname?: string; name?: string };
    if (TACTIC_ID.test(upper)) {
      key = upper;
      entry = { id: upper, name };
    } else {
      const shortname = t.toLowerCase().replace(/[\s_]+/g, '-');
      key = shortname;
      entry = { shortname, name: name ?? (/[A-Z ]/.test(t) ? t : undefined) };
    }
    if (!this.tactics.has(key)) this.tactics.set(key, entry);
  }

  resultTechniques(): Technique[] {
    const out: Technique[] = [];
    for (const [id, srcName] of this.techniques) {
      const known = this.catalogue?.techniques.get(id);
      const t: Technique = { id, known: known !== undefined };
      const name = known?.name ?? srcName;
      if (name) t.name = name;
      out.push(t);
    }
    return out;
  }

  resultTactics(): Tactic[] {
    const seen = new Set<string>();
    const out: Tactic[] = [];
    const cat = this.catalogue?.tactics;
    for (const e of this.tactics.values()) {
      let t: Tactic | undefined;
      if (cat) {
        const shortname = e.id ? tacticShortnamesById(cat).get(e.id) : e.shortname;
        const v = shortname === undefined ? undefined : cat.get(shortname);
        if (shortname !== undefined && v) t = { id: v.id, shortname, name: v.name, known: true };
      }
      if (!t) t = { ...strip(e), known: false };
      const k = t.id ?? t.shortname ?? '';
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(t);
    }
    return out;
  }
}

/** Tactic id → shortname, built once per catalogue (the last entry wins, as a scan would find it). */
const shortnamesById = new WeakMap<AttackCatalogue['tactics'], Map<string, string>>();
function tacticShortnamesById(cat: AttackCatalogue['tactics']): Map<string, string> {
  let m = shortnamesById.get(cat);
  if (!m) {
    m = new Map();
    for (const [sn, v] of cat) m.set(v.id, sn);
    shortnamesById.set(cat, m);
  }
  return m;
}

function strip(e: { id?: string; shortname?: string; name?: string }): {
  id?: string;
  shortname?: string;
  name?: string;
} {
  const o: { id?: string; shortname?: string; name?: string } = {};
  if (e.id) o.id = e.id;
  if (e.shortname) o.shortname = e.shortname;
  if (e.name) o.name = e.name;
  return o;
}

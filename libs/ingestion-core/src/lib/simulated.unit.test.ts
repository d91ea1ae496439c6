import { Alert, type AlertFormat } from '@kyoyu/contracts';
import { simulateAlerts } from '@kyoyu/simulator';
import { buildAttackCatalogue, normalizeRecord, type AttackCatalogue } from '../index';
import * as S from '../testing/samples';

const FORMATS: AlertFormat[] = ['ocsf', 'ecs', 'suricata', 'wazuh', 'cef'];

describe('simulated alerts normalize', () => {
  let catalogue: AttackCatalogue | undefined;
  beforeAll(() => {
    if (S.samplesPresent()) {
      const c = S.attackCatalogueJson();
      catalogue = buildAttackCatalogue(c.techniques, c.tactics);
    }
  });
  it.each(FORMATS)('%s: valid Alert whose techniques include the truth', (format) => {
    const sims = [...simulateAlerts({ seed: 11, count: 200, formats: [format] })];
    expect(sims).toHaveLength(200);
    for (const s of sims) {
      const o = normalizeRecord(
        { value: Buffer.from(s.value, 'utf8'), sourceOrg: s.sourceOrg, receivedAt: new Date() },
        catalogue ? { catalogue } : {},
      );
      if (o.kind !== 'normalized') throw new Error(`${format} rejected: ${o.reason} ${o.detail}`);
      const a = Alert.parse(o.alert);
      expect(a.format).toBe(format);
      const ids = a.techniques.map((t) => t.id);
      for (const t of s.truth.techniques) expect(ids).toContain(t);
      if (catalogue)
        for (const t of a.techniques.filter((x) => s.truth.techniques.includes(x.id)))
          expect(t.known).toBe(true);
      const atk = a.indicators.filter((i) => i.role === 'attacker').map((i) => i.value);
      expect(atk).toContain(s.truth.attackerIndicators[0]);
    }
  });
  it('is deterministic for a seed', () => {
    const a = [...simulateAlerts({ seed: 3, count: 20 })];
    const b = [...simulateAlerts({ seed: 3, count: 20 })];
    expect(a).toEqual(b);
  });
});

import {
  TaxiiQueryError,
  acceptsTaxii,
  collectionIdFor,
  decodeCursor,
  encodeCursor,
  parseTaxiiQuery,
} from './taxii-query';

const parse = (q: string, max = 1000) => parseTaxiiQuery(new URLSearchParams(q), max);

describe('parseTaxiiQuery', () => {
  it('defaults to the latest version of everything, 100 per page (capped by the server maximum)', () => {
    expect(parse('')).toEqual({
      limit: 100,
      types: [],
      ids: [],
      versions: { all: false, first: false, last: true, timestamps: [] },
      specVersions: [],
    });
    expect(parse('', 50).limit).toBe(50);
    expect(parse('limit=5000', 1000).limit).toBe(1000);
  });

  it('reads every filter, comma-separated or repeated', () => {
    const q = parse(
      'added_after=2026-11-20T01:00:00.123456Z&limit=7&match[type]=indicator,sighting&match[type]=malware' +
        '&match[id]=indicator--5d0092c5-5f74-4287-9642-33f4c354e56d&match[version]=first,2026-11-20T01:00:00.000Z' +
        `&next=${encodeCursor(42n)}&match[spec_version]=2.1`,
    );
    expect(q).toEqual({
      addedAfter: '2026-11-20T01:00:00.123456Z',
      limit: 7,
      after: 42n,
      types: ['indicator', 'sighting', 'malware'],
      ids: ['indicator--5d0092c5-5f74-4287-9642-33f4c354e56d'],
      versions: { all: false, first: true, last: false, timestamps: ['2026-11-20T01:00:00.000Z'] },
      specVersions: ['2.1'],
    });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=ten', 'limit'],
    ['added_after=yesterday', 'added_after'],
    ["match[type]=indicator'--", 'match[type]'],
    ['match[id]=indicator--not-a-uuid', 'match[id]'],
    ['match[version]=newest', 'match[version]'],
    ['next=garbage', 'next'],
  ])('rejects %s with a stable code naming the parameter', (query, parameter) => {
    try {
      parse(query);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(TaxiiQueryError);
      expect((e as TaxiiQueryError).parameter).toBe(parameter);
      expect((e as TaxiiQueryError).code).toMatch(/^TAXII\.BAD_(FILTER|CURSOR)$/);
    }
  });
});

describe('cursors', () => {
  it('round-trip and refuse anything not minted here', () => {
    expect(decodeCursor(encodeCursor(9_007_199_254_740_993n))).toBe(9_007_199_254_740_993n);
    expect(() => decodeCursor(Buffer.from('k1:-1').toString('base64url'))).toThrow(TaxiiQueryError);
    expect(() => decodeCursor('')).toThrow(TaxiiQueryError);
  });
});

describe('acceptsTaxii', () => {
  it('accepts TAXII 2.1 JSON, wildcards and no Accept header; refuses other types and versions', () => {
    expect(acceptsTaxii(undefined)).toBe(true);
    expect(acceptsTaxii('application/taxii+json;version=2.1')).toBe(true);
    expect(acceptsTaxii('application/taxii+json')).toBe(true);
    expect(acceptsTaxii('text/html, */*;q=0.1')).toBe(true);
    expect(acceptsTaxii('application/taxii+json;version=2.0')).toBe(false);
    expect(acceptsTaxii('application/json')).toBe(false);
  });
});

describe('collectionIdFor', () => {
  it('is a stable UUID per subscriber', () => {
    expect(collectionIdFor('jp-isac')).toBe(collectionIdFor('jp-isac'));
    expect(collectionIdFor('jp-isac')).not.toBe(collectionIdFor('iot-maker'));
    expect(collectionIdFor('jp-isac')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

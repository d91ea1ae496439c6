import { z } from 'zod';
import { BaseConfig, ConfigError, loadConfig, refineSasl } from '../index';

const schema = BaseConfig.superRefine(refineSasl);
const valid = {
  KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093',
  DATABASE_URL: 'postgres://u:p@localhost:5432/kyoyu',
};

describe('loadConfig', () => {
  it('parses and types a valid environment, applying defaults', () => {
    const cfg = loadConfig('test', schema, valid);
    expect(cfg.KAFKA_BROKERS).toEqual(['127.0.0.1:19092', '127.0.0.1:19093']);
    expect(cfg.HTTP_PORT).toBe(3000);
    expect(cfg.KAFKA_SSL).toBe(false);
  });

  it('refuses to start on missing settings and names every one of them', () => {
    expect(() => loadConfig('ingestion', schema, {})).toThrow(ConfigError);
    try {
      loadConfig('ingestion', schema, {});
    } catch (e) {
      const err = e as ConfigError;
      expect(err.message).toMatch(/^ingestion: refusing to start/);
      expect(err.problems.map((p) => p.split(':')[0])).toEqual(['KAFKA_BROKERS', 'DATABASE_URL']);
    }
  });

  it('rejects malformed values without echoing them', () => {
    const secret = 'mysql://root:hunter2@db/x';
    const run = () => loadConfig('x', schema, { ...valid, DATABASE_URL: secret, HTTP_PORT: 'eighty' });
    expect(run).toThrow(/DATABASE_URL/);
    expect(run).toThrow(/HTTP_PORT/);
    expect(run).not.toThrow(/hunter2/);
  });

  it('requires SASL credentials together with a mechanism', () => {
    expect(() => loadConfig('x', schema, { ...valid, KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toThrow(
      /KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required/,
    );
  });

  it('serves metrics only when METRICS_PORT is set, and validates it as a port', () => {
    expect(loadConfig('x', schema, valid).METRICS_PORT).toBeUndefined();
    expect(loadConfig('x', schema, { ...valid, METRICS_PORT: '9464' }).METRICS_PORT).toBe(9464);
    expect(() => loadConfig('x', schema, { ...valid, METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
  });

  it('leaves the fetch wait to the stage consumer unless set, and bounds it', () => {
    expect(loadConfig('x', schema, valid).KAFKA_FETCH_MAX_WAIT_MS).toBeUndefined();
    expect(
      loadConfig('x', schema, { ...valid, KAFKA_FETCH_MAX_WAIT_MS: '100' }).KAFKA_FETCH_MAX_WAIT_MS,
    ).toBe(100);
    for (const bad of ['0', '10001', '2.5', 'soon'])
      expect(() => loadConfig('x', schema, { ...valid, KAFKA_FETCH_MAX_WAIT_MS: bad })).toThrow(
        /KAFKA_FETCH_MAX_WAIT_MS/,
      );
  });

  it('accepts service-specific extensions', () => {
    const ext = BaseConfig.extend({ K_ANONYMITY: z.coerce.number().int().min(1).default(3) });
    expect(loadConfig('x', ext, { ...valid, K_ANONYMITY: '5' }).K_ANONYMITY).toBe(5);
  });
});

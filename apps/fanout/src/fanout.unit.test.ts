import { KafkaJSProtocolError } from 'kafkajs';
import { loadConfig } from '@kyoyu/config';
import { FanoutConfig } from './config';
import { errorCode } from './kafka-dispatcher';
import { RevocationOfUnknownEvent } from './fanout.controller';

describe('errorCode', () => {
  it('names Kafka errors by their protocol type and anything else by its class, never by its message', () => {
    // kafkajs builds protocol errors from its error-code table; its typings only admit the message.
    const kafka = new KafkaJSProtocolError({
      message: 'Not authorized to access topics: [share.x.v1]',
      type: 'TOPIC_AUTHORIZATION_FAILED',
      code: 29,
      retriable: false,
    } as unknown as Error);
    expect(errorCode(kafka)).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(errorCode(Object.assign(new Error('wrapped'), { cause: kafka }))).toBe(
      'TOPIC_AUTHORIZATION_FAILED',
    );
    expect(errorCode(new TypeError('victim.example.co.jp'))).toBe('TypeError');
    expect(errorCode('a string')).toBe('UNKNOWN');
  });

  it('gives a revocation of an unknown event a stable code without event content', () => {
    const e = new RevocationOfUnknownEvent();
    expect(e.code).toBe('FANOUT.REVOCATION_UNKNOWN_EVENT');
    expect(e.message).not.toMatch(/evt-|case-/);
  });
});

describe('FanoutConfig', () => {
  const env = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://u@h/db' };

  it('has working defaults for dispatch and TAXII', () => {
    const c = loadConfig('fanout', FanoutConfig, env);
    expect(c.DISPATCH_BATCH).toBe(50);
    expect(c.STORE_BATCH).toBe(64);
    expect(c.DISPATCH_BACKOFF_MIN_MS).toBeLessThan(c.DISPATCH_BACKOFF_MAX_MS);
    expect(c.TAXII_MAX_PAGE).toBe(1000);
    expect(c.FANOUT_ADMIN_TOKEN).toBeUndefined();
  });

  it('refuses a short operator token', () => {
    expect(() => loadConfig('fanout', FanoutConfig, { ...env, FANOUT_ADMIN_TOKEN: 'short' })).toThrow(
      /FANOUT_ADMIN_TOKEN/,
    );
  });
});

export * from './lib/kafka-client';
export * from './lib/records';
export * from './lib/errors';
export * from './lib/publisher';
export * from './lib/partition-placer';
export * from './lib/stage-consumer';
export * from './lib/trace-context';
export * from './lib/consumer-lag';

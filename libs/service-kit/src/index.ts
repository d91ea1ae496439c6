export * from './lib/tokens';
export * from './lib/kafka-stage.server';
export * from './lib/kafka-status';
export * from './lib/service-kit.module';
export * from './lib/bootstrap';
export * from './lib/coalescing-runner';
export * from './lib/drain-batches';

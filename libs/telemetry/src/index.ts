export * from './lib/tracing';
export * from './lib/logger';
export * from './lib/correlation';
export * from './lib/stage-metrics.processor';

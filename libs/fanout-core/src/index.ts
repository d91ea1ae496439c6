export * from './lib/filters';
export * from './lib/routing';
export * from './lib/taxii-query';

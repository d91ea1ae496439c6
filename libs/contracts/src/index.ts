export * from './lib/topics';
export * from './lib/headers';
export * from './lib/alert';
export * from './lib/sharing';
export * from './lib/rejection';
export * from './lib/envelope';
export * from './lib/ids';
export * from './lib/registry';

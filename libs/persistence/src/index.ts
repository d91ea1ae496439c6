export * from './lib/entities';
export * from './lib/migrations';
export * from './lib/data-source';
export * from './lib/customer-directory';
export * from './lib/subscriber-directory';
export * from './lib/reconcile';
export * from './lib/audit-log-pages';

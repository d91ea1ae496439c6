export * from './lib/repo';
export * from './lib/broker';
export * from './lib/database';
export * from './lib/services';
export * from './lib/kafka';
export * from './lib/restartable-database';
export * from './lib/alert-workload';
export * from './lib/reviewers';

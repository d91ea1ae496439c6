export * from './lib/errors';
export * from './lib/canonical-json';
export * from './lib/state-machine';
export * from './lib/four-eyes';
export * from './lib/audit-chain';
export * from './lib/redaction';
export * from './lib/draft-check';
export * from './lib/victim-spans';

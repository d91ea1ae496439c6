export * from './lib/tlp';
export * from './lib/bundle';
export * from './lib/stix-id';
export * from './lib/validator';

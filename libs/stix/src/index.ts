export * from './lib/tlp';
export * from './lib/bundle';
export * from './lib/validator';

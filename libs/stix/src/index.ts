export * from './lib/tlp';
export * from './lib/bundle';

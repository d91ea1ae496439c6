export * from './rules';
export * from './facts';

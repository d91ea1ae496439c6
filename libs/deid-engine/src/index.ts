export {
  deidentify,
  occurrenceBucket,
  DEFAULT_ENGINE_OPTIONS,
  type DeidentifyInput,
  type DeidentifyResult,
  type EngineOptions,
  type KAnonymityView,
  type PseudonymKey,
} from './lib/deidentify';
export {
  buildVictimDictionary,
  egressGuard,
  egressGuardValue,
  registryDictionary,
  type GuardHit,
  type GuardResult,
  type VictimDictionary,
} from './lib/egress-guard';
export { compileCustomer, compiledFor, type CompiledCustomer } from './lib/compile';
export { AhoCorasick, type AcMatch } from './lib/aho-corasick';
export { isLookalike } from './lib/lookalike';

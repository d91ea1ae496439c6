export * from './lib/types';
export { EVAL_CUSTOMERS, evalKView, type EvalCustomer } from './lib/registry';
export { encode, ipv4Forms, explodeV6 } from './lib/encoders';
export { generateEvalSet, FORMATS, type EvalSetOptions } from './lib/dataset';
export { mulberry32 } from '@kyoyu/simulator';
export { decodedViews } from './lib/decoders';
export {
  findLeaks,
  missedTargets,
  score,
  secretForms,
  stringsOf,
  TARGETS,
  type ItemOutcome,
  type LeakRecord,
  type Scores,
} from './lib/scorer';
export {
  EVAL_KEY,
  EVAL_NOW,
  prepare,
  deidentifyItem,
  outcomeOf,
  runEngine,
  EvalPreparationError,
  type PreparedItem,
} from './lib/run-engine';

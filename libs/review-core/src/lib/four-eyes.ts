import type { SharingAgreement, Tlp } from '@kyoyu/contracts';

export type FourEyesReason = 'RISK_ABOVE_THRESHOLD' | 'TLP_AMBER_STRICT' | 'TLP_RED' | 'AGREEMENT_REQUIRES';

export interface FourEyesInput {
  risk: number;
  tlp: Tlp | string;
  /** Undefined when the customer is no longer registered: treated as the strict case. */
  agreement: Pick<SharingAgreement, 'requireFourEyes'> | undefined;
}

/**
 * Why an item needs two different reviewers' approvals (empty: one approval suffices). TLP:RED always
 * does: it is never released on one person's word, let alone automatically.
 */
export function fourEyesReasons(input: FourEyesInput, riskThreshold: number): FourEyesReason[] {
  const reasons: FourEyesReason[] = [];
  if (input.risk > riskThreshold) reasons.push('RISK_ABOVE_THRESHOLD');
  if (input.tlp === 'amber+strict') reasons.push('TLP_AMBER_STRICT');
  if (input.tlp === 'red') reasons.push('TLP_RED');
  if (!input.agreement || input.agreement.requireFourEyes) reasons.push('AGREEMENT_REQUIRES');
  return reasons;
}

import type { Tlp } from '@kyoyu/contracts';

/** The official TLP 2.0 marking definitions (FIRST TLP 2.0 as published by OASIS for STIX 2.1). */
const TLP2_EXTENSION = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';
const TLP2_CREATOR = 'identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01';

export const TLP_MARKING_IDS: Readonly<Record<Tlp, string>> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

export function tlpMarkingDefinition(tlp: Tlp): Record<string, unknown> & { type: string; id: string } {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP_MARKING_IDS[tlp],
    created: '2022-10-01T00:00:00.000Z',
    created_by_ref: TLP2_CREATOR,
    name: `TLP:${tlp.toUpperCase()}`,
    extensions: { [TLP2_EXTENSION]: { extension_type: 'property-extension', tlp_2_0: tlp } },
  };
}

import { readFileSync } from 'node:fs';
import { buildAttackCatalogue, type AttackCatalogue } from '@kyoyu/ingestion-core';
import type { IngestionConfig } from './config';

/** Loads the ATT&CK catalogue named in the config; without one, technique ids are kept but flagged unknown. */
export function loadAttackCatalogue(config: IngestionConfig): AttackCatalogue | undefined {
  if (!config.ATTACK_TECHNIQUES_FILE || !config.ATTACK_TACTICS_FILE) return undefined;
  return buildAttackCatalogue(
    JSON.parse(readFileSync(config.ATTACK_TECHNIQUES_FILE, 'utf8')),
    JSON.parse(readFileSync(config.ATTACK_TACTICS_FILE, 'utf8')),
  );
}

import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { CliError, ExitCode } from './errors';

/**
 * Reads and validates an operator's JSON import file. Errors name the file, the JSON path and the rule,
 * never the offending value: registry files hold customer names and addresses.
 */
export async function readImportFile<S extends z.ZodType>(file: string, schema: S): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CliError('IMPORT.UNREADABLE', `cannot read ${file} (${code})`, ExitCode.BadInput);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError('IMPORT.NOT_JSON', `${file} is not valid JSON`, ExitCode.BadInput);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new CliError(
      'IMPORT.INVALID',
      `${file} does not match the import schema (${parsed.error.issues.length} problem(s)); nothing was imported`,
      ExitCode.BadInput,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data as z.infer<S>;
}

/** Ids that occur more than once in an import file: almost always a copy-paste mistake. */
export function duplicateIds(items: ReadonlyArray<{ id: string }>): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const { id } of items) (seen.has(id) ? dup : seen).add(id);
  return [...dup];
}

import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export interface StixValidation {
  valid: boolean;
  /** `<object id> <instance path>: <message>` per problem (schema paths and ids only, no values). */
  errors: string[];
}

export type StixValidator = (bundle: unknown) => StixValidation;

const SCHEMA_BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/';

/**
 * A validator built from the OASIS STIX 2.1 JSON schemas (draft 2020-12), given as parsed documents so
 * the caller decides where they come from (offline: every `$ref` resolves among them by `$id`). Checks the
 * bundle against `common/bundle.json` and every object against the schema of its own type, since the
 * bundle schema alone accepts unknown shapes.
 */
export function compileStixValidator(schemas: ReadonlyArray<{ $id?: string }>): StixValidator {
  // The OASIS patterns use escapes (`\-`) that are invalid in unicode-mode regular expressions.
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  // ajv-formats has no IDN formats; domain-name and email-addr values use them.
  ajv.addFormat('idn-hostname', /^[^\s@/\\]+$/u);
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u);
  const byType = new Map<string, ValidateFunction>();
  for (const s of schemas) ajv.addSchema(s as object);
  for (const s of schemas) {
    const id = s.$id ?? '';
    const m = /\/(sdos|sros|observables)\/([a-z0-9-]+)\.json$/.exec(id);
    if (m?.[2]) byType.set(m[2], ajv.getSchema(id) as ValidateFunction);
  }
  const markingDefinition = ajv.getSchema(`${SCHEMA_BASE}common/marking-definition.json`);
  const bundleSchema = ajv.getSchema(`${SCHEMA_BASE}common/bundle.json`);
  if (!bundleSchema || !markingDefinition)
    throw new Error('STIX bundle or marking-definition schema missing');
  byType.set('marking-definition', markingDefinition);

  return (bundle) => {
    const errors: string[] = [];
    const describe = (where: string, errs: ErrorObject[] | null | undefined) =>
      (errs ?? []).forEach((e) =>
        errors.push(`${where} ${e.instancePath || '/'}: ${e.message ?? e.keyword}`),
      );
    if (!bundleSchema(bundle)) describe('bundle', bundleSchema.errors);
    if (typeof bundle !== 'object' || bundle === null) return { valid: false, errors };
    const objects = (bundle as { objects?: unknown }).objects;
    if (Array.isArray(objects)) {
      for (const o of objects as Array<{ type?: string; id?: string }>) {
        const where = String(o.id);
        const validate = byType.get(String(o.type));
        if (!validate) errors.push(`${where}: no schema for type ${String(o.type)}`);
        else if (!validate(o)) describe(where, validate.errors);
      }
    }
    return { valid: errors.length === 0, errors };
  };
}

/**
 * credentialSchema checks (VC JSON Schema, type `JsonSchema`). Bundled schemas are matched by their stable `$id` or
 * by the path the issuer serves them under, so checking our own types never touches the network; any other schema
 * is fetched once through the injected fetcher and compiled.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { issue, type VerificationIssue } from './errors.ts';
import { BUNDLED_SCHEMAS, SCHEMA_BASE, schemaFile } from './schemas.ts';
import { asArray, type Credential, isRecord } from './types.ts';

export type JsonFetcher = (url: string) => Promise<unknown>;

const SCHEMA_TYPES = new Set(['JsonSchema', 'JsonSchemaValidator2018']);
const SERVED_PATH = '/schemas/v1/';

// ajv-formats is CommonJS with a default export; NodeNext sees the module object.
const addFormats = addFormatsModule.default;

export class SchemaRegistry {
  readonly #ajv = new Ajv2020({ allErrors: false, strict: false });
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #files = new Map<string, ValidateFunction>();
  readonly #fetchJson: JsonFetcher | undefined;

  constructor(options: { fetchJson?: JsonFetcher } = {}) {
    addFormats(this.#ajv);
    this.#fetchJson = options.fetchJson;
    for (const schema of Object.values(BUNDLED_SCHEMAS)) {
      const validate = this.#ajv.compile(schema);
      this.#validators.set(schema.$id, validate);
      this.#files.set(schemaFile(schema), validate);
    }
  }

  #bundled(id: string): ValidateFunction | undefined {
    const exact = this.#validators.get(id);
    if (exact !== undefined) return exact;
    const at = id.lastIndexOf(SERVED_PATH);
    return at < 0 ? undefined : this.#files.get(id.slice(at + SERVED_PATH.length));
  }

  async #validator(id: string): Promise<ValidateFunction | undefined> {
    const known = this.#bundled(id);
    if (known !== undefined || this.#fetchJson === undefined) return known;
    const schema = await this.#fetchJson(id);
    if (!isRecord(schema)) return undefined;
    const validate = this.#ajv.compile({ ...schema, $id: typeof schema.$id === 'string' ? schema.$id : id });
    this.#validators.set(id, validate);
    return validate;
  }

  /**
   * Validates `credential` against every JSON Schema it references. References of other types (VC 2.0 §4.11 allows
   * any, e.g. `JsonSchemaCredential` or a community's own validator) are not this registry's to check: they are
   * skipped, as a verifier that does not know a schema type does.
   */
  async check(credential: Credential): Promise<VerificationIssue[]> {
    const issues: VerificationIssue[] = [];
    for (const ref of asArray(credential.credentialSchema)) {
      if (!isRecord(ref) || typeof ref.id !== 'string' || ref.type === undefined) {
        issues.push(issue('SCHEMA_UNAVAILABLE', 'credentialSchema must have an id and a type'));
        continue;
      }
      if (!SCHEMA_TYPES.has(ref.type as string)) continue;
      issues.push(...(await this.#checkOne(credential, ref.id)));
    }
    return issues;
  }

  async #checkOne(credential: Credential, id: string): Promise<VerificationIssue[]> {
    let validate: ValidateFunction | undefined;
    try {
      validate = await this.#validator(id);
    } catch (cause) {
      return [issue('SCHEMA_UNAVAILABLE', `schema ${id} could not be loaded: ${(cause as Error).message}`)];
    }
    if (validate === undefined) return [issue('SCHEMA_UNAVAILABLE', `schema ${id} is not known and cannot be fetched`)];
    if (validate(credential)) return [];
    const first = validate.errors?.[0];
    const where = first === undefined ? '' : ` at ${first.instancePath || '/'}: ${first.message ?? ''}`;
    return [issue('SCHEMA_INVALID', `credential does not match schema ${id}${where}`)];
  }
}

/** The URL a credential should reference: the issuer's served copy when it has a base URL, else the stable `$id`. */
export function schemaUrl(schema: { $id: string }, baseUrl?: string): string {
  if (baseUrl === undefined) return schema.$id;
  return `${baseUrl.replace(/\/$/, '')}${SERVED_PATH}${schema.$id.slice(SCHEMA_BASE.length)}`;
}

/**
 * credentialSchema checks (VC JSON Schema, type `JsonSchema`). Bundled schemas are matched by their stable `$id` or
 * by the path the issuer serves them under, so checking our own types never touches the network; any other schema
 * is fetched once through the injected fetcher and compiled.
 *
 * A schema named by a DID URL (a DID-Linked Resource, spec §3.9, e.g. `did:city:cn/resources/<uuid>` or
 * `did:city:cn?resourceName=CityIdentityCredential&resourceType=JsonSchema`) is dereferenced through the injected
 * dereferencer on every check (the resolver's caches make that cheap; a by-name URL follows new versions), its bytes
 * are checked against the checksum the dereferencing result states (the verifying resolver has proven that checksum
 * anchored), and the credential is validated against that content; the compiled schema is kept per resource.
 */
import { type DIDDereferencingResult, DidCityError, verifyResourceContent } from '@did-city/method';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { issue, type VerificationIssue } from './errors.ts';
import { BUNDLED_SCHEMAS, SCHEMA_BASE, schemaFile } from './schemas.ts';
import { asArray, type Credential, isRecord } from './types.ts';

export type JsonFetcher = (url: string) => Promise<unknown>;
/** Dereferences a DID URL (a did:city resolver's `dereference`). */
export type DidUrlDereferencer = (didUrl: string) => Promise<DIDDereferencingResult>;

export interface SchemaRegistryOptions {
  /** Fetches schemas named by http(s) URLs that are not bundled; default: none (they fail). */
  fetchJson?: JsonFetcher;
  /** Dereferences schemas named by DID URLs; default: none (they fail). */
  dereference?: DidUrlDereferencer;
  /** Schema ids known to hold a bundled schema, to the bundled `$id` (an issuer's own references). */
  aliases?: (id: string) => string | undefined;
}

const SCHEMA_MEDIA_TYPES = new Set(['application/schema+json', 'application/json']);
/** Compiled schemas of DID-Linked Resources kept, by resource URI and checksum (one resource's content never changes). */
const LINKED_SCHEMA_ENTRIES = 256;

class SchemaUnavailable extends Error {}

function unavailable(message: string): never {
  throw new SchemaUnavailable(message);
}

const SCHEMA_TYPES = new Set(['JsonSchema', 'JsonSchemaValidator2018']);
const SERVED_PATH = '/schemas/v1/';

// ajv-formats is CommonJS with a default export; NodeNext sees the module object.
const addFormats = addFormatsModule.default;

export class SchemaRegistry {
  readonly #ajv = new Ajv2020({ allErrors: false, strict: false });
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #files = new Map<string, ValidateFunction>();
  readonly #linked = new Map<string, ValidateFunction>();
  readonly #fetchJson: JsonFetcher | undefined;
  readonly #dereference: DidUrlDereferencer | undefined;
  readonly #aliases: ((id: string) => string | undefined) | undefined;

  constructor(options: SchemaRegistryOptions = {}) {
    addFormats(this.#ajv);
    this.#fetchJson = options.fetchJson;
    this.#dereference = options.dereference;
    this.#aliases = options.aliases;
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

  /** The schema a DID URL dereferences to, its bytes checked against the resource's checksum, compiled once per resource. */
  async #linkedValidator(didUrl: string): Promise<ValidateFunction> {
    if (this.#dereference === undefined)
      unavailable(`schema ${didUrl} is a DID URL and this verifier dereferences no DID URLs`);
    let result: DIDDereferencingResult;
    try {
      result = await this.#dereference(didUrl);
    } catch (cause) {
      unavailable(`schema ${didUrl} could not be dereferenced: ${(cause as Error).message}`);
    }
    const error = result.dereferencingMetadata.error;
    if (error !== undefined) {
      // A did:city resolver reports a checksum mismatch as INTERNAL_ERROR (spec R-DLR-2) whose detail names both digests.
      const tampered =
        error.type.endsWith('#INVALID_RESOURCE_CONTENT') ||
        /the anchored checksum is [0-9a-f]{64}/.test(error.detail ?? '');
      const what = tampered
        ? 'its content does not match the checksum anchored on the ledger'
        : 'it could not be dereferenced';
      unavailable(`schema ${didUrl}: ${what} (${error.title}${error.detail === undefined ? '' : `: ${error.detail}`})`);
    }
    const { content, contentMetadata } = result;
    const meta = contentMetadata as {
      resourceURI?: unknown;
      resourceId?: unknown;
      checksum?: unknown;
      mediaType?: unknown;
    };
    if (!(content instanceof Uint8Array) || typeof meta.checksum !== 'string' || typeof meta.resourceURI !== 'string') {
      unavailable(`schema ${didUrl} does not dereference to a linked resource's content`);
    }
    try {
      verifyResourceContent({ checksum: meta.checksum, resourceId: String(meta.resourceId) }, content);
    } catch (cause) {
      if (cause instanceof DidCityError)
        unavailable(
          `schema ${didUrl}: its content does not match the checksum anchored on the ledger (${cause.message})`,
        );
      throw cause;
    }
    const mediaType = String(result.dereferencingMetadata.contentType ?? meta.mediaType);
    if (!SCHEMA_MEDIA_TYPES.has(mediaType))
      unavailable(`schema ${didUrl} is ${mediaType}, not a JSON Schema (application/schema+json)`);
    const key = `${meta.resourceURI} ${meta.checksum}`;
    const known = this.#linked.get(key);
    if (known !== undefined) return known;
    let schema: unknown;
    try {
      schema = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(content));
    } catch {
      unavailable(`schema ${didUrl} is not JSON`);
    }
    if (!isRecord(schema)) unavailable(`schema ${didUrl} is not a JSON object`);
    // Its own $id may be a bundled schema's (the registry publishes those): the resource URI names this copy.
    const validate = this.#ajv.compile({ ...schema, $id: meta.resourceURI });
    if (this.#linked.size >= LINKED_SCHEMA_ENTRIES) {
      const [oldest, evicted] = this.#linked.entries().next().value!;
      this.#linked.delete(oldest);
      this.#ajv.removeSchema(evicted.schema as object);
    }
    this.#linked.set(key, validate);
    return validate;
  }

  async #validator(id: string): Promise<ValidateFunction | undefined> {
    const alias = this.#aliases?.(id);
    const known = this.#bundled(alias ?? id);
    if (known !== undefined) return known;
    if (id.startsWith('did:')) return this.#linkedValidator(id);
    if (this.#fetchJson === undefined) return known;
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
      if (cause instanceof SchemaUnavailable) return [issue('SCHEMA_UNAVAILABLE', cause.message)];
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

/**
 * RFC 9421 HTTP Message Signatures through the `http-message-signatures` library: these two functions are the only
 * place it is called. They add nothing to the RFC (the did:city profile is in signature-profile.ts), so RFC 9421's
 * own test vectors check them directly (test/rfc9421.test.ts).
 */
import { httpbis } from 'http-message-signatures';
import { parseDictionary, isInnerList, type InnerList } from 'structured-headers';

/** A request as both sides see it: the target URI absolute, header names lowercase. */
export interface HttpRequestParts {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface SignatureInputs {
  /** The signature label (RFC 9421 §4.1); default `sig1`. */
  label?: string;
  /** Covered components in order, e.g. `@method`, `@target-uri`, `content-digest`. */
  components: readonly string[];
  /** Signature parameters in the order they are serialised (RFC 9421 §2.3). */
  params: { created?: number; expires?: number; nonce?: string; keyid?: string; alg?: string; tag?: string };
  sign: (base: Uint8Array) => Promise<Uint8Array>;
}

/** The request's fields less any signature already on it: the library would add to those rather than replace them. */
function withoutSignatures(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !/^signature(-input)?$/i.test(name)));
}

const PARAM_ORDER = ['created', 'expires', 'nonce', 'alg', 'keyid', 'tag'] as const;

/** `Signature-Input` and `Signature` for a request (RFC 9421 §3.1). */
export async function createSignature(request: HttpRequestParts, inputs: SignatureInputs): Promise<{ 'signature-input': string; signature: string }> {
  const { created, expires, ...rest } = inputs.params;
  const params = PARAM_ORDER.filter((name) => inputs.params[name] !== undefined);
  const signed = await httpbis.signMessage(
    {
      key: { sign: async (data: Buffer) => Buffer.from(await inputs.sign(data)) },
      name: inputs.label ?? 'sig1',
      fields: [...inputs.components],
      params,
      paramValues: {
        created: created === undefined ? null : new Date(created * 1000),
        ...(expires === undefined ? {} : { expires: new Date(expires * 1000) }),
        ...rest,
      },
    },
    { method: request.method, url: request.url, headers: withoutSignatures(request.headers) },
  );
  return { 'signature-input': String(signed.headers['Signature-Input']), signature: String(signed.headers.Signature) };
}

/** One signature's covered components and parameters, read from `Signature-Input` before anything is verified. */
export interface ParsedSignatureInput {
  label: string;
  /** Component identifiers as serialised, e.g. `"@method"`, `"@query-param";name="id"`. */
  components: string[];
  /** Components without parameters, by name. */
  plainComponents: Set<string>;
  params: Map<string, unknown>;
}

/** Every signature named in `Signature-Input`; throws on a malformed field. */
export function parseSignatureInput(field: string): ParsedSignatureInput[] {
  const dictionary = parseDictionary(field);
  return [...dictionary].map(([label, member]) => {
    if (!isInnerList(member)) throw new SyntaxError(`signature ${label} is not an inner list`);
    const [items, params] = member as InnerList;
    const components = items.map(([name, itemParams]) => {
      const rest = [...itemParams].map(([k, v]) => (v === true ? `;${k}` : `;${k}=${JSON.stringify(v)}`)).join('');
      return `${JSON.stringify(String(name))}${rest}`;
    });
    const plainComponents = new Set(items.filter(([, p]) => p.size === 0).map(([name]) => String(name)));
    return { label, components, plainComponents, params: new Map(params) };
  });
}

/**
 * Verifies the request's signatures with `verify` over the signature base; freshness is the caller's (the library's
 * own clock checks are switched off, so that one clock, the caller's, decides). True only if the signature verifies.
 */
export async function verifySignature(request: HttpRequestParts, verify: (base: Uint8Array, signature: Uint8Array) => boolean): Promise<boolean> {
  const result = await httpbis.verifyMessage(
    {
      keyLookup: async () => ({ verify: async (data: Buffer, signature: Buffer) => verify(data, signature) }),
      notAfter: Number.MAX_SAFE_INTEGER,
      tolerance: Number.MAX_SAFE_INTEGER,
    },
    { method: request.method, url: request.url, headers: { ...request.headers } },
  );
  return result === true;
}

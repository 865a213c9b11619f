/**
 * RFC 9421 HTTP Message Signatures through the `http-message-signatures` library: this module is the only place it
 * is called. Signing uses its `signMessage`; verifying uses its signature-base construction (the components, as
 * RFC 9421 §2 derives them) over the `Signature-Input` this module parsed once, rather than its `verifyMessage`,
 * which would parse both fields again and check the time with its own clock (the profile's clock decides here).
 * Nothing here adds to the RFC (the did:city profile is in signature-profile.ts), so RFC 9421's own test vectors
 * check it directly (test/rfc9421.test.ts).
 */
import { httpbis } from 'http-message-signatures';
import { type InnerList, isInnerList, parseDictionary, serializeItem, serializeList } from 'structured-headers';

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
export async function createSignature(
  request: HttpRequestParts,
  inputs: SignatureInputs,
): Promise<{ 'signature-input': string; signature: string }> {
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
  /** The member as parsed, serialised again for `@signature-params`. */
  member: InnerList;
}

/** Every signature named in `Signature-Input`; throws on a malformed field. */
export function parseSignatureInput(field: string): ParsedSignatureInput[] {
  const dictionary = parseDictionary(field);
  return [...dictionary].map(([label, member]) => {
    if (!isInnerList(member)) throw new SyntaxError(`signature ${label} is not an inner list`);
    const [items, params] = member;
    const components = items.map((item) => serializeItem(item));
    const plainComponents = new Set(items.filter(([, p]) => p.size === 0).map(([name]) => String(name)));
    return { label, components, plainComponents, params: new Map(params), member };
  });
}

/** The signature base of one parsed signature over a request (RFC 9421 §2.5). */
export function signatureBase(request: HttpRequestParts, input: ParsedSignatureInput): string {
  const message = { method: request.method, url: request.url, headers: request.headers };
  const base = httpbis.createSignatureBase({ fields: input.components }, message);
  base.push(['"@signature-params"', [serializeList([input.member])]]);
  return httpbis.formatSignatureBase(base);
}

/**
 * Verifies the signature labelled `input.label` with `verify` over its signature base; freshness is the caller's.
 * True only if the signature verifies; false also for a missing or malformed `Signature` member.
 */
export function verifySignature(
  request: HttpRequestParts,
  input: ParsedSignatureInput,
  verify: (base: Uint8Array, signature: Uint8Array) => boolean,
): boolean {
  try {
    const value = parseDictionary(request.headers.signature ?? '').get(input.label)?.[0];
    if (!(value instanceof ArrayBuffer)) return false;
    return verify(Buffer.from(signatureBase(request, input)), new Uint8Array(value));
  } catch {
    return false;
  }
}

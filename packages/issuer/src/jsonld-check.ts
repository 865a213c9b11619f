/**
 * JSON-LD checks of a credential's `@context` and terms (VC 2.0 §5.2.1 and §4.5): a context that redefines a
 * protected term, a term mapped to something that is not an IRI, a `type` that does not expand to an IRI. They run
 * on jsonld's expansion with bundled contexts only: a context URL that is not bundled is refused, never fetched.
 *
 * Expansion costs about a millisecond, several times a whole signature check, so the issuer runs it on everything
 * it signs and the verifier only when asked (`checkJsonLd`).
 */
import { contexts as VC_CONTEXTS } from '@digitalbazaar/credentials-context';
import { CITY_CREDENTIALS_CONTEXT, CITY_CREDENTIALS_CONTEXT_DOCUMENT } from './context.ts';
import { type IssuerErrorCode, issue, type VerificationIssue } from './errors.ts';

/** W3C's example context (`@vocab` only), used by the specification's and the test suite's examples. */
export const VC_EXAMPLES_CONTEXT = 'https://www.w3.org/ns/credentials/examples/v2';

/** Context URL → document: the VC 1.1 and 2.0 contexts (Digital Bazaar's copies), ours, and W3C's examples. */
export const BUNDLED_CONTEXTS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ...VC_CONTEXTS,
  [CITY_CREDENTIALS_CONTEXT, CITY_CREDENTIALS_CONTEXT_DOCUMENT],
  [VC_EXAMPLES_CONTEXT, { '@context': { '@vocab': 'https://www.w3.org/ns/credentials/examples#' } }],
]);

export interface JsonLdCheckOptions {
  /** More context documents by URL (a deployment's own vocabularies). */
  contexts?: ReadonlyMap<string, unknown>;
  /**
   * true (the issuer): every property and type must expand to an IRI (jsonld's safe mode), so nothing signed is
   * dropped by a JSON-LD processor. false: only errors in the contexts themselves and types that are not IRIs.
   */
  strict?: boolean;
  code?: IssuerErrorCode;
}

class NotBundled extends Error {}

// Loaded on first use: jsonld takes a noticeable part of a second to import, which servers should not pay at start.
let jsonldModule: Promise<typeof import('jsonld').default> | undefined;
const jsonldOf = () => (jsonldModule ??= import('jsonld').then((loaded) => loaded.default));

function loaderOf(extra: ReadonlyMap<string, unknown> | undefined) {
  return async (url: string) => {
    const document = extra?.get(url) ?? BUNDLED_CONTEXTS.get(url);
    if (document === undefined) throw new NotBundled(`context ${url} is not bundled, and contexts are never fetched`);
    return { documentUrl: url, document, contextUrl: null };
  };
}

/** Event codes that mean a `type` did not become an IRI: refused even when undefined properties are tolerated. */
const TYPE_EVENTS = new Set(['relative @type reference', 'invalid @type value']);

function reason(error: unknown): string {
  const { message, details } = error as {
    message?: string;
    details?: { code?: string; event?: { code?: string; details?: unknown }; cause?: unknown };
  };
  if (details?.cause instanceof NotBundled) return details.cause.message;
  const code = details?.event?.code ?? details?.code;
  const what = details?.event?.details === undefined ? '' : ` ${JSON.stringify(details.event.details)}`;
  return code === undefined ? String(message) : `${code}${what}`;
}

/** Issues with the JSON-LD reading of `document` (empty when it expands cleanly). */
export async function jsonLdIssues(document: unknown, options: JsonLdCheckOptions = {}): Promise<VerificationIssue[]> {
  const code = options.code ?? 'INVALID_CREDENTIAL';
  const documentLoader = loaderOf(options.contexts);
  const jsonld = await jsonldOf();
  try {
    if (options.strict !== false) {
      await jsonld.expand(document, { documentLoader, safe: true });
    } else {
      await jsonld.expand(document, {
        documentLoader,
        eventHandler: ({ event }) => {
          // Other events (undefined properties dropped) are tolerated here: not calling next() ends their handling.
          if (TYPE_EVENTS.has(event.code)) throw Object.assign(new Error(event.message), { details: { event } });
        },
      });
    }
    return [];
  } catch (error) {
    return [issue(code, `JSON-LD: ${reason(error)}`)];
  }
}

/** RDF Dataset Canonicalization (RDFC-1.0) of a document as N-Quads, with bundled contexts only (safe mode). */
export async function canonizeRdfc(document: unknown, contexts?: ReadonlyMap<string, unknown>): Promise<string> {
  return (await jsonldOf()).canonize(document, {
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
    documentLoader: loaderOf(contexts),
    safe: true,
  });
}

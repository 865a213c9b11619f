/**
 * The holder's side (VC API `POST /presentations/prove`): a city wraps credentials it holds into a VP 2.0 and signs
 * it with its own key for `authentication`, binding the verifier's challenge and domain: a Data Integrity proof
 * (`challenge`, `domain` in the proof), or a `vp+jwt` (`nonce`, `aud`), enveloped on request.
 */
import { type Clock, createProof } from '@did-city/method';
import { controllerOf, wholeSeconds } from './credential.ts';
import { IssuerError } from './errors.ts';
import { signJws } from './jws.ts';
import { type IssuerKey, isRecord, issuerId, VC_V2_CONTEXT } from './types.ts';

export interface ProveOptions {
  /** The holder's key; its DID becomes `holder`. It must be in the DID's `authentication` relationship. */
  key: IssuerKey;
  challenge?: string;
  domain?: string;
  /** Default: data-integrity. */
  format?: 'data-integrity' | 'vp+jwt';
  /** vp+jwt only: an EnvelopedVerifiablePresentation instead of the compact JWS. */
  envelope?: boolean;
  /** The clock of the proof's `created` (whole seconds). Default `Date.now`. */
  now?: Clock;
}

export interface EnvelopedVerifiablePresentation {
  '@context': string[];
  id: string;
  type: 'EnvelopedVerifiablePresentation';
}

function refuse(message: string): never {
  throw new IssuerError('MALFORMED_PRESENTATION', message);
}

/** The unsigned presentation as it will be signed, `holder` filled in; throws IssuerError for bad input. */
export function preparePresentation(input: unknown, holder: string): Record<string, unknown> {
  if (!isRecord(input)) refuse('presentation must be a JSON object');
  if (!Array.isArray(input['@context']) || input['@context'][0] !== VC_V2_CONTEXT)
    refuse(`@context must be an array starting with ${VC_V2_CONTEXT}`);
  const types = Array.isArray(input.type) ? input.type : [input.type];
  if (!types.includes('VerifiablePresentation')) refuse('type must include VerifiablePresentation');
  if (input.proof !== undefined) refuse('a presentation to be signed must not carry a proof');
  if (input.holder !== undefined && issuerId(input.holder) !== holder)
    refuse(`holder must be ${holder}, the DID of this service's key`);
  const credentials = input.verifiableCredential;
  if (credentials !== undefined && !(Array.isArray(credentials) ? credentials : [credentials]).every(isRecord)) {
    refuse('verifiableCredential entries must be objects (an enveloped credential for a JWT)');
  }
  return { ...structuredClone(input), holder: input.holder ?? holder };
}

export async function provePresentation(
  input: unknown,
  options: ProveOptions,
): Promise<Record<string, unknown> | EnvelopedVerifiablePresentation | string> {
  const holder = controllerOf(options.key.verificationMethod);
  const presentation = preparePresentation(input, holder);
  const { challenge, domain } = options;
  if (options.format === 'vp+jwt') {
    const claims = {
      ...presentation,
      ...(challenge === undefined ? {} : { nonce: challenge }),
      ...(domain === undefined ? {} : { aud: domain }),
    };
    const jwt = await signJws(
      { kid: options.key.verificationMethod, typ: 'vp+jwt', cty: 'vp' },
      claims,
      options.key.signer,
    );
    return options.envelope
      ? { '@context': [VC_V2_CONTEXT], id: `data:application/vp+jwt,${jwt}`, type: 'EnvelopedVerifiablePresentation' }
      : jwt;
  }
  const proof = await createProof(presentation, {
    signer: options.key.signer,
    verificationMethod: options.key.verificationMethod,
    proofPurpose: 'authentication',
    created: wholeSeconds(new Date((options.now ?? Date.now)())),
    ...(challenge === undefined ? {} : { challenge }),
    ...(domain === undefined ? {} : { domain }),
  });
  return { ...presentation, proof };
}

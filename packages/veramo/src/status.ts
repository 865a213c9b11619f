/**
 * Bitstring Status List 1.0 for Veramo agents, where no published plugin reads `BitstringStatusListEntry`:
 *
 * - `BitstringStatusListPlugin`, an `ICredentialStatusVerifier`. It fetches each entry's status list credential,
 *   verifies it (signed by the credential's own issuer, resolved through the agent), and reports the credential
 *   `revoked` (revocation bit set) or not `verified` (suspension bit set, or a list that cannot be fetched or
 *   verified). It never says a credential is fine when it could not find out.
 * - `withStatusCheck(provider)`, for the credential provider. Veramo 7's CredentialPlugin reads `credentialStatus`
 *   off the credential it was given; for a JWT string there is none, so the status plugin is never asked and a
 *   revoked credential verifies. The wrapper asks it itself for JWT strings, after the signature has verified.
 *
 * @example
 * createAgent({ plugins: [resolverPlugin, new CredentialPlugin([withStatusCheck(new CredentialProviderJWT())]),
 *   new BitstringStatusListPlugin()] });
 */
import {
  createVerifier,
  type DidResolver,
  type FetchOptions,
  type StatusListFetcher,
  type Verifier,
} from '@did-city/issuer';
import type {
  CredentialStatus,
  IAgentContext,
  IAgentPlugin,
  ICredentialStatusVerifier,
  IResolver,
  IVerifyCredentialArgs,
  IVerifyResult,
  VerifiableCredential,
} from '@veramo/core-types';
import type { ICredentialProvider } from '@veramo/credential-w3c';

export interface BitstringStatusListPluginOptions {
  /** Fetches a status list credential; default HTTP GET with a timeout and size cap. */
  fetchStatusList?: StatusListFetcher;
  /**
   * The outbound-fetch policy of the default fetcher (spec §9.15): https and public addresses only unless a host is
   * named here, e.g. `{ httpHosts: ['127.0.0.1:8080'], privateHosts: ['127.0.0.1:8080'] }` for a node on loopback.
   */
  fetchPolicy?: FetchOptions;
  /** Resolves the list's issuer; default: the agent's own resolveDid. */
  resolver?: DidResolver;
  /** Upper bound on how long a fetched list is trusted (ms); default: the list's ttl, at most an hour. */
  maxTtlMs?: number;
}

export interface BitstringStatus {
  revoked: boolean;
  suspended: boolean;
  verified: boolean;
  /** `{ code, message }` per problem: REVOKED, SUSPENDED, STATUS_UNAVAILABLE, STATUS_INVALID. */
  errors: { code: string; message: string }[];
}

function agentResolver(context: IAgentContext<IResolver>): DidResolver {
  return {
    resolve: (did, options) =>
      context.agent.resolveDid({ didUrl: did, ...(options === undefined ? {} : { options }) }) as never,
  };
}

export class BitstringStatusListPlugin implements IAgentPlugin {
  readonly methods: ICredentialStatusVerifier;
  #verifier: Verifier | undefined;

  constructor(options: BitstringStatusListPluginOptions = {}) {
    this.methods = {
      checkCredentialStatus: async ({ credential }, context) => {
        // One verifier per plugin, so that fetched lists are cached across checks (for their ttl).
        this.#verifier ??= createVerifier({
          resolver: options.resolver ?? agentResolver(context),
          checkSchemas: false,
          fetchResource: false,
          ...(options.fetchStatusList === undefined ? {} : { fetchStatusList: options.fetchStatusList }),
          ...(options.fetchPolicy === undefined ? {} : { fetchPolicy: options.fetchPolicy }),
          ...(options.maxTtlMs === undefined ? {} : { statusTtl: { maxMs: options.maxTtlMs } }),
        });
        const errors = await this.#verifier.context.status!.check(credential as never);
        const status: BitstringStatus = {
          revoked: errors.some((entry) => entry.code === 'REVOKED'),
          suspended: errors.some((entry) => entry.code === 'SUSPENDED'),
          verified: errors.length === 0,
          errors,
        };
        return status;
      },
    };
  }
}

/** The normalised credential of a verified JWT (what did-jwt-vc returned), or undefined. */
function verifiedCredential(result: IVerifyResult): VerifiableCredential | undefined {
  const credential = (result as { verifiableCredential?: unknown }).verifiableCredential;
  return typeof credential === 'object' && credential !== null ? (credential as VerifiableCredential) : undefined;
}

/** A credential provider that also checks the status of JWT strings (see above); other inputs pass through. */
export function withStatusCheck(provider: ICredentialProvider): ICredentialProvider {
  const wrapped = Object.create(provider) as ICredentialProvider;
  wrapped.verifyCredential = async (args: IVerifyCredentialArgs, context) => {
    const result = await provider.verifyCredential(args, context);
    if (!result.verified || typeof args.credential !== 'string' || args.policies?.credentialStatus === false)
      return result;
    const credential = verifiedCredential(result);
    if (credential?.credentialStatus === undefined) return result;
    // An agent method takes only its arguments; the framework adds the context.
    const agent = context.agent as {
      checkCredentialStatus?: (args: { credential: VerifiableCredential }) => Promise<CredentialStatus>;
    };
    if (typeof agent.checkCredentialStatus !== 'function') {
      throw new Error(
        'invalid_setup: The credential status cannot be verified because there is no ICredentialStatusVerifier plugin installed.',
      );
    }
    const status = await agent.checkCredentialStatus({ credential });
    if (status?.revoked !== true && status?.verified !== false) return result;
    const message =
      status.revoked === true
        ? 'revoked: The credential was revoked by the issuer'
        : 'revoked: The credential status does not allow it to be accepted';
    return { verified: false, error: { message, errorCode: 'revoked' }, credentialStatus: status };
  };
  return wrapped;
}

/**
 * did:city for `@veramo/did-resolver`: the method's `getResolver()` over an HttpLedgerReader, so every resolution
 * verifies the checkpoint against the trust policy, each inclusion proof and the operation chain.
 *
 * @example
 * new DIDResolverPlugin({ resolver: new Resolver({ ...getDidCityResolver({ ledgerUrl, policy }) }) });
 */
import { type GenesisPolicy, getResolver } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';

export interface DidCityResolverOptions {
  /** Base URL of a ledger node, or several serving the same log (tried in turn when one is down). */
  ledgerUrl: string | string[];
  /** C2SP tlog-policy text (spec §7.4). */
  policy: string;
  genesis?: GenesisPolicy;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Verified-state cache of the resolver (on by default); `false` re-verifies every history. */
  cache?: boolean;
}

export function getDidCityResolver(options: DidCityResolverOptions): ReturnType<typeof getResolver> {
  const { ledgerUrl, policy, genesis, cache } = options;
  const extra = {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  const reader = new HttpLedgerReader({ url: ledgerUrl, policy, ...extra });
  return getResolver({ reader, ...(genesis ? { genesis } : {}), ...(cache === undefined ? {} : { cache }) });
}

/**
 * A real Veramo 7 agent (@veramo/core createAgent, @veramo/credential-w3c CredentialPlugin, @veramo/did-resolver
 * DIDResolverPlugin with the method's did:city getResolver()) verifies the VC-JWT 1.1 we issue, and sees revocation
 * through an ICredentialStatusVerifier plugin backed by our Bitstring Status List checker.
 *
 * Veramo 7 moved JWT verification into @veramo/credential-jwt (CredentialProviderJWT), which is not installed here.
 * `JwtProvider` below is a verification-only stand-in that does what CredentialProviderJWT.verifyCredential does
 * (did-jwt-vc's verifyCredential with the agent's resolveDid); with @veramo/credential-jwt added, replace it by
 * `new CredentialProviderJWT()` and nothing else changes.
 */
import type {
  IAgentContext,
  ICredentialPlugin,
  ICredentialStatusVerifier,
  IResolver,
  IVerifyCredentialArgs,
  IVerifyResult,
  VerifiableCredential,
} from '@veramo/core';
import type { ICredentialProvider } from '@veramo/credential-w3c';
import { normalizeCredential, verifyCredential as verifyJwtCredential } from 'did-jwt-vc';
import { Resolver, type Resolvable } from 'did-resolver';
import { getResolver } from '@did-city/method';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIssuer } from '../src/issuer.ts';
import type { Credential } from '../src/types.ts';
import { DAY_MS, iso, REGISTRY, rotateSjz, SJZ } from './fixtures/world.ts';
import { type Setup, setup, sjzIdentity } from './fixtures/issuing.ts';
import { smartCityPilotCredential } from '../src/credential-types.ts';
import { registerVeramoWorkaround } from './fixtures/veramo-loader.ts';

registerVeramoWorkaround();
const { createAgent } = await import('@veramo/core');
const { CredentialPlugin } = await import('@veramo/credential-w3c');
const { DIDResolverPlugin } = await import('@veramo/did-resolver');

const notIssuing = () => Promise.reject(new Error('verification-only provider'));

class JwtProvider implements ICredentialProvider {
  getProofFormatsSupportedForKey = () => ['jwt'];
  canIssueProofFormat = () => false;
  canVerifyDocumentType({ document }: { document: unknown }): boolean {
    return typeof document === 'string' || typeof (document as VerifiableCredential)?.proof?.jwt === 'string';
  }
  createVerifiableCredential = notIssuing;
  createVerifiablePresentation = notIssuing;
  verifyPresentation = notIssuing;
  async verifyCredential(args: IVerifyCredentialArgs, context: IAgentContext<IResolver>): Promise<IVerifyResult> {
    const jwt = typeof args.credential === 'string' ? args.credential : (args.credential.proof.jwt as string);
    const resolver = { resolve: (didUrl: string) => context.agent.resolveDid({ didUrl }) } as Resolvable;
    try {
      return await verifyJwtCredential(jwt, resolver, { policies: args.policies ?? {} });
    } catch (error) {
      const message = (error as Error).message;
      return { verified: false, error: { message, errorCode: message.split(':')[0] } };
    }
  }
}

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(() => s.cleanup());

function agentFor(setupValue: Setup) {
  const statusVerifier = setupValue.verifier({ statusTtl: { maxMs: 0 } });
  // ICredentialStatusVerifier: Veramo asks this before it calls a credential with credentialStatus valid.
  const statusPlugin = {
    methods: {
      async checkCredentialStatus({ credential }: { credential: VerifiableCredential }) {
        const issues = await statusVerifier.context.status!.check(credential as unknown as Credential);
        return { revoked: issues.length > 0, verified: issues.length === 0, issues };
      },
    },
  };
  return createAgent<IResolver & ICredentialPlugin & ICredentialStatusVerifier>({
    plugins: [
      new DIDResolverPlugin({ resolver: new Resolver({ ...getResolver({ reader: setupValue.world.ledger }) }) }),
      new CredentialPlugin([new JwtProvider()]),
      statusPlugin,
    ],
  });
}

describe('Veramo 7 agent', () => {
  it('resolves did:city and verifies our VC-JWT 1.1', async () => {
    const agent = agentFor(s);
    const resolved = await agent.resolveDid({ didUrl: REGISTRY });
    expect(resolved.didDocument?.assertionMethod).toStrictEqual([`${REGISTRY}#vc-1`, `${REGISTRY}#vc-2`]);
    const { verifiableCredential } = await s.registry.issue(sjzIdentity(), { format: 'vc-jwt' });
    const result = await agent.verifyCredential({ credential: verifiableCredential as string });
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
    expect(result.verifiableCredential?.credentialSubject).toMatchObject({ id: SJZ });
  });

  it('reports a credential revoked through our status list as revoked', async () => {
    const agent = agentFor(s);
    const issued = await s.registry.issue(sjzIdentity(), { format: 'vc-jwt' });
    // The normalised form (proof.jwt) is what Veramo stores and passes around; note that for a bare JWT string
    // Veramo 7 reads `credentialStatus` off the string and so never asks the status plugin.
    const normalised = normalizeCredential(issued.verifiableCredential as string) as VerifiableCredential;
    expect(await agent.verifyCredential({ credential: normalised })).toMatchObject({ verified: true });
    s.lists.update(issued.id, 'revocation', true);
    const result = await agent.verifyCredential({ credential: normalised });
    expect(result).toMatchObject({ verified: false, error: { errorCode: 'revoked' } });
    const bare = await agent.verifyCredential({ credential: issued.verifiableCredential as string });
    expect(bare.verified).toBe(true);
  });

  it('rejects a tampered JWT and one signed by a key rotated away', async () => {
    const agent = agentFor(s);
    const { verifiableCredential } = await s.registry.issue(sjzIdentity(), { format: 'vc-jwt' });
    const [header, payload, signature] = (verifiableCredential as string).split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    forged.vc.credentialSubject.divisionCode = '110000';
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    expect(await agent.verifyCredential({ credential: tampered })).toMatchObject({
      verified: false,
      error: { errorCode: 'invalid_signature' },
    });
    const old = s.world.sjzKey;
    await rotateSjz(s.world, s.world.now - DAY_MS);
    const pilot = smartCityPilotCredential({
      issuer: SJZ,
      city: SJZ,
      programme: 'p',
      batch: 1,
      year: 2013,
      pilotStatus: 'active',
      validFrom: iso(Date.now()),
    });
    const stale = await createIssuer({ key: old }).issue(pilot, { format: 'vc-jwt', status: false });
    expect(await agent.verifyCredential({ credential: stale.verifiableCredential as string })).toMatchObject({
      verified: false,
    });
  });
});

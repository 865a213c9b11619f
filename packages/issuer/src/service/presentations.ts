/**
 * The VC API's presentation endpoints: `POST /presentations/verify` (public, like credential verification) and
 * `POST /presentations/prove` (a configured client; signs with the service's holder key for `authentication`).
 * A presentation is signed only after it verifies here as a verifier would check it: a key that is not in the
 * DID's `authentication` relationship gets a clear refusal instead of a presentation no one accepts.
 */
import type { RequestHandler, Router } from 'express';
import { IssuerError } from '../errors.ts';
import { provePresentation } from '../presentation-prove.ts';
import { type IssuerKey, isRecord } from '../types.ts';
import type { Verifier } from '../verifier.ts';
import type { route as routeOf } from './app.ts';
import { describedIssues } from './problems.ts';

interface Parts {
  verifier: Verifier;
  holderKey: IssuerKey | undefined;
  auth: RequestHandler;
  route: typeof routeOf;
}

function malformed(message: string): never {
  throw new IssuerError('MALFORMED_REQUEST', message);
}

function optionalString(options: Record<string, unknown>, name: string): string | undefined {
  const value = options[name];
  if (value !== undefined && typeof value !== 'string') malformed(`options.${name} must be a string`);
  return value as string | undefined;
}

function readOptions(body: Record<string, unknown>) {
  const options = body.options ?? {};
  if (!isRecord(options)) malformed('options must be an object');
  return { options, challenge: optionalString(options, 'challenge'), domain: optionalString(options, 'domain') };
}

export function presentationRoutes(router: Router, parts: Parts): void {
  router.post(
    '/presentations/verify',
    parts.route(async (request, response) => {
      const body = request.body as unknown;
      if (!isRecord(body) || body.verifiablePresentation === undefined)
        malformed('body must carry verifiablePresentation');
      const { challenge, domain } = readOptions(body);
      const result = await parts.verifier.verifyPresentation(body.verifiablePresentation, {
        ...(challenge === undefined ? {} : { challenge }),
        ...(domain === undefined ? {} : { domain }),
      });
      response.status(result.verified ? 200 : 400).json({
        verified: result.verified,
        checks: ['proof', 'challenge', 'domain', 'credentials'],
        errors: describedIssues(result.errors),
        warnings: [],
        format: result.format,
        holder: result.holder,
        credentialResults: result.credentialResults.map((entry) => ({
          verified: entry.verified,
          errors: describedIssues(entry.errors),
          format: entry.format,
          issuer: entry.issuer,
        })),
      });
    }),
  );
  router.post(
    '/presentations/prove',
    parts.auth,
    parts.route(async (request, response) => {
      const key = parts.holderKey ?? malformed('this service holds no key to sign presentations with');
      const body = request.body as unknown;
      if (!isRecord(body) || !isRecord(body.presentation))
        malformed('body must be {"presentation": {...}, "options": {...}}');
      const { options, challenge, domain } = readOptions(body);
      const format = options.format ?? 'data-integrity';
      if (format !== 'data-integrity' && format !== 'vp+jwt')
        malformed('options.format must be data-integrity or vp+jwt');
      const expected = {
        ...(challenge === undefined ? {} : { challenge }),
        ...(domain === undefined ? {} : { domain }),
      };
      const verifiablePresentation = await provePresentation(body.presentation, {
        key,
        format,
        envelope: options.envelope !== false,
        ...expected,
      });
      const check = await parts.verifier.verifyPresentation(verifiablePresentation, expected);
      if (!check.verified) {
        throw new IssuerError(
          'MALFORMED_PRESENTATION',
          `the signed presentation does not verify: ${check.errors.map((entry) => `${entry.code}: ${entry.message}`).join('; ')}`,
          { errors: check.errors },
        );
      }
      response.status(201).json({ verifiablePresentation });
    }),
  );
}

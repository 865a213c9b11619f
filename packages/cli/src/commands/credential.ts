/**
 * `credential issue|verify|revoke|suspend|reinstate`. Issuing and status changes go to an issuer service's VC API
 * (they need its token); verifying is done here, against the ledger, trusting no service: the issuer DID is
 * resolved through the verifying reader and the status list is fetched and checked like any credential.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  CITY_CREDENTIALS_CONTEXT,
  type Credential,
  cityIdentityCredential,
  createDidResolver,
  createVerifier,
  VC_V2_CONTEXT,
} from '@did-city/issuer';
import { createCityResolver } from '@did-city/method';
import { fetchPolicyFromEnv, hostsOf } from '@did-city/method/http';
import { type CommandSpec, need, str, UsageError, type Values } from '../args.ts';
import { pinsOf } from '../genesis.ts';
import type { Config } from '../config.ts';
import { requestJson } from '../http.ts';
import { CliError, EXIT } from '../output.ts';
import { checkedDid } from './resolve.ts';

const FORMATS: Record<string, string> = { jwt: 'vc-jwt', 'vc+jwt': 'vc+jwt', di: 'data-integrity' };
const TOKEN_ENV = 'DID_CITY_ISSUER_TOKEN';
const ISSUER_OPTIONS = {
  'issuer-url': { type: 'string', value: 'URL', doc: 'issuer service (env DID_CITY_ISSUER; default <ledger>/issuer/)' },
  token: { type: 'string', value: 'T', doc: `issuer service token (env ${TOKEN_ENV})` },
} as const;

function issuerUrl(config: Config, values: Values, path: string): string {
  const base = str(values, 'issuer-url') ?? config.env('DID_CITY_ISSUER') ?? new URL('issuer/', config.ledger).href;
  if (!URL.canParse(base)) throw new UsageError(`--issuer-url "${base}" is not a URL`);
  return new URL(path, base.endsWith('/') ? base : `${base}/`).href;
}

function claimsOf(values: Values): Record<string, unknown> {
  const text = str(values, 'claims');
  if (text === undefined) return {};
  try {
    const claims = JSON.parse(text) as unknown;
    if (typeof claims === 'object' && claims !== null && !Array.isArray(claims))
      return claims as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError('--claims must be a JSON object of subject claims');
}

function credentialOf(values: Values): Credential {
  const type = str(values, 'type') ?? 'CityIdentityCredential';
  const subject = checkedDid(need(values, 'subject'));
  const issuer = str(values, 'issuer') ?? 'did:city:cn';
  if (type === 'CityIdentityCredential') {
    return cityIdentityCredential({ issuer, city: subject, nameEn: need(values, 'name-en') });
  }
  return {
    '@context': [VC_V2_CONTEXT, CITY_CREDENTIALS_CONTEXT],
    type: ['VerifiableCredential', type],
    issuer,
    credentialSubject: { id: subject, ...claimsOf(values) },
  };
}

/** The credential id (for status changes), from a JWT's payload, an enveloped JWT or a JSON credential. */
export function credentialId(vc: unknown): string | undefined {
  let value = vc;
  const enveloped = (value as { id?: unknown } | null)?.id;
  if (typeof enveloped === 'string' && enveloped.startsWith('data:'))
    value = enveloped.slice(enveloped.indexOf(',') + 1);
  if (typeof value === 'string') {
    try {
      const payload = JSON.parse(Buffer.from(value.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      return (payload.jti ?? (payload.vc as { id?: unknown } | undefined)?.id ?? payload.id) as string | undefined;
    } catch {
      return undefined;
    }
  }
  return (value as { id?: string } | null)?.id;
}

export const credentialIssue: CommandSpec = {
  name: 'credential issue',
  summary: 'Have the issuer service issue a credential about a city; prints the credential on stdout.',
  details: `Types: CityIdentityCredential (needs --name-en), SmartCityPilotCredential, AuthorityAccreditationCredential,
CityDataSharingCredential (their subject claims as --claims JSON). The credential id is printed on stderr; use it
with credential revoke|suspend|reinstate.
Example: did-city credential issue --subject did:city:cn:130100 --name-en Shijiazhuang --format jwt --token $TOKEN > sjz.jwt`,
  options: {
    type: { type: 'string', value: 'TYPE', doc: 'credential type (default CityIdentityCredential)' },
    subject: { type: 'string', value: 'DID', doc: 'the city the credential is about', required: true },
    issuer: { type: 'string', value: 'DID', doc: "the issuer service's DID (default did:city:cn)" },
    'name-en': { type: 'string', value: 'NAME', doc: 'English official name (CityIdentityCredential)' },
    claims: { type: 'string', value: 'JSON', doc: 'further subject claims, a JSON object' },
    format: {
      type: 'string',
      value: 'F',
      doc: 'jwt (VC-JWT 1.1, default), vc+jwt (VC-JOSE-COSE) or di (Data Integrity)',
    },
    out: { type: 'string', value: 'FILE', doc: 'also write the credential to FILE' },
    ...ISSUER_OPTIONS,
  },
  async run({ values, out, config }) {
    const format = FORMATS[str(values, 'format') ?? 'jwt'];
    if (format === undefined) throw new UsageError('--format must be jwt, vc+jwt or di');
    const credential = credentialOf(values);
    const options = { format, ...(format === 'vc+jwt' ? { envelope: false } : {}) };
    const token = config.token(values, TOKEN_ENV);
    out.progress('asking the issuer service to sign…');
    const answer = (await requestJson(issuerUrl(config, values, 'credentials/issue'), {
      body: { credential, options },
      token,
    })) as {
      verifiableCredential: unknown;
    };
    const vc = answer.verifiableCredential;
    const text = typeof vc === 'string' ? vc : JSON.stringify(vc, null, 2);
    const file = str(values, 'out');
    if (file !== undefined) writeFileSync(file, `${text}\n`);
    const id = credentialId(vc);
    if (id !== undefined) out.progress(`credential id: ${id}`);
    out.result(text, { id, verifiableCredential: vc });
    return EXIT.ok;
  },
};

function readInput(source: string): unknown {
  let text: string;
  try {
    text = readFileSync(source === '-' ? 0 : source, 'utf8').trim();
  } catch (error) {
    throw new UsageError(`cannot read ${source} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!text.startsWith('{')) return text;
  try {
    const parsed = JSON.parse(text) as { verifiableCredential?: unknown };
    // A VC API verify request body (as the all-in-one writes them) carries the credential in verifiableCredential.
    return parsed.verifiableCredential ?? parsed;
  } catch {
    throw new UsageError(`${source} is neither a JWT nor JSON`);
  }
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The ledger's host, under each loopback name when it is local: an all-in-one reached at 127.0.0.1 names its status
 * lists under its public URL, http://localhost:<port> by default.
 */
function ledgerHosts(ledger: string): string[] {
  const url = new URL(ledger);
  if (!LOOPBACK_NAMES.includes(url.hostname)) return hostsOf([ledger]);
  const port = url.port || '80';
  return LOOPBACK_NAMES.map((name) => `${name}:${port}`);
}

export const credentialVerify: CommandSpec = {
  name: 'credential verify',
  summary:
    'Verify a credential (VC-JWT, vc+jwt or Data Integrity) against the ledger: issuer keys, dates, status, schema.',
  details: 'Reads FILE, or stdin with "-". Exit 0 when it verifies, 1 with the reasons when it does not.',
  positionals: [
    { name: 'FILE', doc: 'the credential: a JWT, a JSON credential, or a VC API verify body; - for stdin' },
  ],
  options: {},
  async run({ positionals, out, config }) {
    const input = readInput(positionals[0]!);
    const resolver = createDidResolver({
      city: createCityResolver({ reader: await config.reader(), ...pinsOf(config) }),
    });
    out.progress('verifying against the ledger…');
    // Status lists and schemas are fetched under the outbound-fetch policy (spec §9.15); the ledger chosen for this run
    // is trusted like the hosts named in DID_CITY_FETCH_ALLOW_HTTP / _PRIVATE.
    const fetchPolicy = fetchPolicyFromEnv(process.env, ledgerHosts(config.ledger));
    const result = await createVerifier({ resolver, fetchPolicy }).verify(input);
    if (!result.verified) {
      out.result(['NOT verified', ...result.errors.map((e) => `  ${e.code}: ${e.message}`)].join('\n'), result);
      const first = result.errors[0];
      throw new CliError({
        exit: EXIT.refused,
        title: 'Credential not verified',
        detail: first ? `${first.code}: ${first.message}` : 'no reason given',
      });
    }
    out.result(`verified: ${result.format} credential issued by ${result.issuer}`, result);
    return EXIT.ok;
  },
};

const STATUS_CHANGES = {
  revoke: { statusPurpose: 'revocation', status: true, summary: 'Revoke a credential (final).' },
  suspend: { statusPurpose: 'suspension', status: true, summary: 'Suspend a credential (reinstate lifts it).' },
  reinstate: { statusPurpose: 'suspension', status: false, summary: 'Lift the suspension of a credential.' },
} as const;

function statusCommand(action: keyof typeof STATUS_CHANGES): CommandSpec {
  const change = STATUS_CHANGES[action];
  return {
    name: `credential ${action}`,
    summary: change.summary,
    positionals: [{ name: 'ID', doc: 'credential id (urn:uuid:…), as printed by credential issue' }],
    options: { ...ISSUER_OPTIONS },
    async run({ values, positionals, out, config }) {
      const body = {
        credentialId: positionals[0]!,
        credentialStatus: [{ statusPurpose: change.statusPurpose, status: change.status }],
      };
      const token = config.token(values, TOKEN_ENV);
      const state = (await requestJson(issuerUrl(config, values, 'credentials/status'), { body, token })) as {
        revoked: boolean;
        suspended: boolean;
      };
      out.result(`${positionals[0]}: revoked ${state.revoked}, suspended ${state.suspended}`, state);
      return EXIT.ok;
    },
  };
}

export const credentialRevoke = statusCommand('revoke');
export const credentialSuspend = statusCommand('suspend');
export const credentialReinstate = statusCommand('reinstate');

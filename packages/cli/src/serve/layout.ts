/**
 * The all-in-one's data directory. The ledger node owns `ledger.db`, `policy.txt`, `keys/log.key` and
 * `witnesses/`; this module adds the rest:
 *
 *   registrations.db               applications (the ledger's registration desk)
 *   issuer.db                      the issuer's status lists
 *   server.json                    settings fixed at first start: the issuer's base URL (credentials and status
 *                                  lists name it, so it must not move when the port does)
 *   tokens.json (0600)             bearer tokens: admin (governance), one per institute, issuer
 *   keys/institute-{a,b,c}.json    the three institutes' keys: the registry's update keys, 2 of 3 (0600)
 *   keys/issuer.json               the registry's credential key, did:city:cn#vc-1 (0600)
 *   keys/cities/<code>.json        each seeded city's update key (0600)
 *   credentials/<code>.json        each seeded city's identity credential, as a VC API verify request body
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, type KeyType } from '@did-city/method';
import { findKey, keyFileText, type NamedKey, namedKeyOf, parseKeyFile, storedKey } from '../keyfile.ts';
import { createFileOnce, exists, readSecret } from './files.ts';

export const INSTITUTE_NAMES = ['institute-a', 'institute-b', 'institute-c'] as const;
export const ISSUER_KEY_NAME = 'vc-1';

export interface Layout {
  dataDir: string;
  tokens: string;
  settings: string;
  issuerDb: string;
  /** The checkpoints the built-in resolver trusts and any split-view evidence (FileCheckpointStore). */
  checkpoints: string;
  credentials: string;
  instituteKey(name: string): string;
  issuerKey: string;
  cityKey(code: string): string;
  credential(code: string): string;
}

export function layoutOf(dataDir: string): Layout {
  return {
    dataDir,
    tokens: join(dataDir, 'tokens.json'),
    settings: join(dataDir, 'server.json'),
    issuerDb: join(dataDir, 'issuer.db'),
    checkpoints: join(dataDir, 'checkpoints.json'),
    credentials: join(dataDir, 'credentials'),
    instituteKey: (name) => join(dataDir, 'keys', `${name}.json`),
    issuerKey: join(dataDir, 'keys', 'issuer.json'),
    cityKey: (code) => join(dataDir, 'keys', 'cities', `${code}.json`),
    credential: (code) => join(dataDir, 'credentials', `${code}.json`),
  };
}

export interface Tokens {
  version: 1;
  /** `POST /governance/operations` (registry genesis). */
  admin: string;
  /** `GET /registrations` (the listing with contact details), per institute. */
  institutes: Record<string, string>;
  /** The issuer's write endpoints (`/issuer/credentials/issue`, `/status`, `/status-lists`). */
  issuer: string;
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The tokens, generated on first start; `created` tells the caller to show them this once. */
export function loadOrCreateTokens(file: string): { tokens: Tokens; created: boolean } {
  let created = false;
  if (!exists(file)) {
    const institutes = Object.fromEntries(INSTITUTE_NAMES.map((name) => [name, newToken()]));
    const tokens: Tokens = { version: 1, admin: newToken(), institutes, issuer: newToken() };
    created = createFileOnce(file, `${JSON.stringify(tokens, null, 2)}\n`, 0o600);
  }
  let tokens: Tokens;
  try {
    tokens = JSON.parse(readSecret(file)) as Tokens;
  } catch {
    throw new Error(`${file} is not the all-in-one's token file (JSON)`);
  }
  if (tokens?.version !== 1 || typeof tokens.admin !== 'string' || typeof tokens.issuer !== 'string') {
    throw new Error(`${file} is not a version 1 token file`);
  }
  return { tokens, created };
}

/**
 * The key named `name` in the key file `file` (the CLI's format, keyfile.ts), generating the file with one new
 * key of `keyType` on first use (an existing file keeps the key it holds, whatever its type).
 */
export function loadOrCreateKey(file: string, name: string, keyType: KeyType = 'Ed25519'): NamedKey {
  if (!exists(file))
    createFileOnce(file, keyFileText({ version: 1, keys: [storedKey(name, generateKeyPair(keyType))] }), 0o600);
  return namedKeyOf(file, findKey(file, name, parseKeyFile(file, readSecret(file))));
}

export interface OperatorKeys {
  institutes: NamedKey[];
  issuer: NamedKey;
}

export function loadOrCreateOperatorKeys(layout: Layout): OperatorKeys {
  return {
    institutes: INSTITUTE_NAMES.map((name) => loadOrCreateKey(layout.instituteKey(name), name)),
    issuer: loadOrCreateKey(layout.issuerKey, ISSUER_KEY_NAME),
  };
}

export interface ServerSettings {
  version: 1;
  /** Base URL of the issuer API at first start; status list credentials are identified by URLs under it. */
  issuerBaseUrl: string;
}

/** The settings fixed at first start (`initial` then), read back unchanged afterwards. */
export function loadOrCreateSettings(file: string, initial: Omit<ServerSettings, 'version'>): ServerSettings {
  if (!exists(file)) createFileOnce(file, `${JSON.stringify({ version: 1, ...initial }, null, 2)}\n`, 0o644);
  let settings: ServerSettings;
  try {
    settings = JSON.parse(readFileSync(file, 'utf8')) as ServerSettings;
  } catch {
    throw new Error(`${file} is not the all-in-one's settings file (JSON)`);
  }
  if (settings?.version !== 1 || typeof settings.issuerBaseUrl !== 'string')
    throw new Error(`${file} is not a version 1 settings file`);
  return settings;
}

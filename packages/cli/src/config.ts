/**
 * Global settings of a command run: the ledger URL, the trust policy, the key file, the tokens. Flags win over
 * environment variables, which win over defaults.
 *
 * The trust policy decides which checkpoints the CLI believes, so it is never taken silently from the ledger it
 * is meant to check. With `--policy FILE` that file is used. Without it, the policy pinned for this ledger
 * (`~/.did-city/policies/<host>_<port>.txt`, or under DID_CITY_HOME) is used; on first use it is fetched from
 * `<ledger>/policy`, pinned, and a warning names its SHA-256 fingerprint so that it can be compared with the one the
 * operator publishes (trust on first use, made visible). Later runs never re-fetch it: a ledger that changes its
 * keys fails verification until the pin is replaced on purpose. The checkpoints the CLI trusted from that ledger
 * and any split view it saw are kept beside the pin (`checkpoints/<host>_<port>.json`), so the next run neither trusts
 * on first use again nor forgets a fork.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { GenesisPolicy } from '@did-city/method';
import { FileCheckpointStore, HttpLedgerReader, LedgerClient } from '@did-city/method/http';
import { genesisPins, NODE_IO } from '@did-city/method/settings';
import { parsePolicy } from '@did-city/tlog';
import { str, UsageError, type Values } from './args.ts';
import { GENESIS_ENV, UNPINNED_WARNING } from './genesis.ts';
import { getText } from './http.ts';
import { CliError, EXIT, type Output } from './output.ts';

export const DEFAULT_LEDGER = 'http://127.0.0.1:8080';
/** The age limit of the checkpoints the CLI's reads accept (the all-in-one's setting of the same name). */
const MAX_AGE_ENV = 'DID_CITY_MAX_CHECKPOINT_AGE';

/** The key file under the CLI's home (`~/.did-city`, or DID_CITY_HOME): never in a working tree, where it could be committed. */
export const DEFAULT_KEY_FILE = 'keys.json';

type Env = Readonly<Record<string, string | undefined>>;

/** `SHA256:<base64>` of the policy text, the form ssh uses for host keys. */
export function policyFingerprint(text: string): string {
  return `SHA256:${createHash('sha256').update(text, 'utf8').digest('base64').replace(/=+$/, '')}`;
}

function checkedUrl(text: string, what: string): string {
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol))
    throw new UsageError(`${what} "${text}" must be an http(s) URL`);
  return text.endsWith('/') ? text : `${text}/`;
}

function checkedPolicy(text: string, source: string): string {
  try {
    parsePolicy(text);
  } catch {
    throw new CliError({
      exit: EXIT.refused,
      title: 'Unusable trust policy',
      detail: `${source} is not a C2SP tlog-policy`,
    });
  }
  return text;
}

export class Config {
  readonly ledger: string;
  readonly keyFile: string;
  readonly home: string;
  readonly #policyFile: string | undefined;
  readonly #out: Output;
  readonly #env: Env;
  #policy: string | undefined;
  #genesis: { pins: GenesisPolicy | undefined } | undefined;

  constructor(values: Values, out: Output, env: Env = process.env) {
    this.ledger = checkedUrl(str(values, 'ledger') ?? env['DID_CITY_LEDGER'] ?? DEFAULT_LEDGER, 'ledger URL');
    this.home = env['DID_CITY_HOME'] ?? join(homedir(), '.did-city');
    this.keyFile = str(values, 'keys') ?? env['DID_CITY_KEYS'] ?? join(this.home, DEFAULT_KEY_FILE);
    this.#policyFile = str(values, 'policy');
    this.#out = out;
    this.#env = env;
  }

  /** The environment the run was given (the process's, or a test's). */
  get environment(): Env {
    return this.#env;
  }

  env(name: string): string | undefined {
    const value = this.#env[name];
    return value === '' ? undefined : value;
  }

  /** A token from `--token` or an environment variable; a usage error names both when neither is set. */
  token(values: Values, envName: string): string {
    const token = str(values, 'token') ?? this.env(envName);
    if (token === undefined) throw new UsageError(`this needs a token: --token T or ${envName}`);
    return token;
  }

  /** `<host>_<port>` of the ledger: pins and checkpoints are kept per ledger, whose origins need not differ. */
  get #ledgerSlug(): string {
    const { hostname, port, protocol } = new URL(this.ledger);
    return `${hostname}_${port || (protocol === 'https:' ? '443' : '80')}`.replace(/[^A-Za-z0-9._-]/g, '_');
  }

  get pinFile(): string {
    return join(this.home, 'policies', `${this.#ledgerSlug}.txt`);
  }

  /** The checkpoints trusted from this ledger and any split-view evidence, kept across runs (spec §7.6, R-LED-8). */
  get checkpointFile(): string {
    return join(this.home, 'checkpoints', `${this.#ledgerSlug}.json`);
  }

  async policy(): Promise<string> {
    this.#policy ??= await this.#loadPolicy();
    return this.#policy;
  }

  async reader(): Promise<HttpLedgerReader> {
    const policy = await this.policy();
    const genesis = this.genesis();
    const maxAge = this.maxCheckpointAgeMs();
    return new HttpLedgerReader({
      url: this.ledger,
      policy,
      checkpointStore: new FileCheckpointStore(this.checkpointFile),
      ...(genesis ? { genesis } : {}),
      ...(maxAge === undefined ? {} : { maxCheckpointAgeMs: maxAge }),
    });
  }

  /**
   * DID_CITY_MAX_CHECKPOINT_AGE (whole seconds, as for `did-city serve`): reads refuse a checkpoint whose witness
   * quorum last co-signed it longer ago (spec §7.6), so what they show is proven latest as of at most that long ago.
   */
  maxCheckpointAgeMs(): number | undefined {
    const text = this.env(MAX_AGE_ENV);
    if (text === undefined) return undefined;
    if (!/^[1-9]\d{0,8}$/.test(text.trim()))
      throw new UsageError(`${MAX_AGE_ENV}="${text.slice(0, 40)}" must be a positive integer (seconds)`);
    return Number(text.trim()) * 1000;
  }

  /**
   * The registry genesis pins resolution holds registries to (DID_CITY_GENESIS: JSON, or a file holding it). Without
   * any, a loud warning on stderr, once per run (spec §3.5, R-GEN-4).
   */
  genesis(): GenesisPolicy | undefined {
    if (this.#genesis === undefined) {
      const setting = this.env(GENESIS_ENV);
      this.#genesis = {
        pins: setting === undefined ? undefined : genesisPins(setting.trim(), { name: GENESIS_ENV, io: NODE_IO }).pins,
      };
      if (this.#genesis.pins === undefined) this.#out.warn(UNPINNED_WARNING);
    }
    return this.#genesis.pins;
  }

  /** Submissions wait for the witness quorum; allow a slow quorum more than a read. */
  async client(): Promise<LedgerClient> {
    return new LedgerClient({ url: this.ledger, policy: await this.policy(), timeoutMs: 60_000 });
  }

  async #loadPolicy(): Promise<string> {
    if (this.#policyFile !== undefined) return checkedPolicy(readPolicyFile(this.#policyFile), this.#policyFile);
    const pin = this.pinFile;
    try {
      return checkedPolicy(readFileSync(pin, 'utf8'), pin);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const text = checkedPolicy(await getText(new URL('policy', this.ledger).href), `${this.ledger}policy`);
    mkdirSync(join(this.home, 'policies'), { recursive: true, mode: 0o700 });
    writeFileSync(pin, text, { mode: 0o644 });
    this.#out.warn(
      `trusting the ledger's own trust policy on first use: fingerprint ${policyFingerprint(text)}, pinned to ${pin}. ` +
        'Compare the fingerprint with the one the ledger operator publishes, or pass --policy FILE.',
    );
    return text;
  }
}

function readPolicyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the policy file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

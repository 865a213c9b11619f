/**
 * `did-city witness`: one institute's C2SP tlog-witness as its own process, with its own key and its own state
 * file, trusting every institute's log key (whichever institute's node sequences signs the checkpoints). Settings
 * come from flags, else from the DID_CITY_WITNESS_* environment (deploy/three-institutes/institute-X/witness.env).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SIGNATURE_TYPE, verifierKeyOf } from '@did-city/tlog';
import { type CommandSpec, list, str, UsageError } from '../args.ts';
import { DATA_DIR, dataDirOf, HOST, listenOf, PORT, readSettingFile, readTextOrFile, serveApp } from './serving.ts';

/** Verifier keys, one per line; blank lines and `#` comments are skipped. */
function keyLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export const witness: CommandSpec = {
  name: 'witness',
  summary: "Run a witness (C2SP tlog-witness POST /add-checkpoint) for a ledger's log.",
  details: `The witness key is created on first start (mode 0600) in --key-file, default <data-dir>/witness.key; its
verifier key, for the trust policy's "witness" line, is printed at start. The state (the last checkpoint cosigned
per log, one SQLite file) is --state, default <data-dir>/state.db: back it up, never restore an old copy.

A log run by several institutes has one log key per institute, all named after the origin; give each with
--log-key, or all of them in one file (one verifier key per line).

Environment (flags win): DID_CITY_WITNESS_NAME, DID_CITY_WITNESS_KEY_FILE, DID_CITY_WITNESS_STATE,
DID_CITY_WITNESS_LOG_KEYS_FILE, DID_CITY_WITNESS_LISTEN (HOST:PORT), DID_CITY_WITNESS_DATA_DIR.`,
  options: {
    'data-dir': DATA_DIR,
    'log-key': {
      type: 'string',
      value: 'K',
      doc: 'a log verifier key, or a file of them, one per line (env DID_CITY_WITNESS_LOG_KEYS_FILE)',
      multiple: true,
    },
    name: { type: 'string', value: 'N', doc: 'witness name in the trust policy (env DID_CITY_WITNESS_NAME; default witness)' },
    'key-file': { type: 'string', value: 'FILE', doc: 'witness signer key, created if missing (env DID_CITY_WITNESS_KEY_FILE)' },
    state: { type: 'string', value: 'FILE', doc: 'witness state database (env DID_CITY_WITNESS_STATE)' },
    port: PORT,
    host: HOST,
  },
  async run({ values, out, config }) {
    const { createWitnessApp, loadOrCreateKey, Witness } = await import('@did-city/ledger');
    const dataDir = dataDirOf(values, config.env('DID_CITY_WITNESS_DATA_DIR'));
    const name = str(values, 'name') ?? config.env('DID_CITY_WITNESS_NAME') ?? 'witness';
    const keyFile = resolve(str(values, 'key-file') ?? config.env('DID_CITY_WITNESS_KEY_FILE') ?? join(dataDir, 'witness.key'));
    const stateFile = resolve(str(values, 'state') ?? config.env('DID_CITY_WITNESS_STATE') ?? join(dataDir, 'state.db'));
    const given = list(values, 'log-key');
    const logKeysFile = config.env('DID_CITY_WITNESS_LOG_KEYS_FILE');
    const logKeys =
      given.length > 0
        ? given.flatMap((value) => keyLines(readTextOrFile(value)))
        : logKeysFile !== undefined
          ? keyLines(readSettingFile(logKeysFile, 'DID_CITY_WITNESS_LOG_KEYS_FILE'))
          : [];
    for (const file of [keyFile, stateFile]) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const signerKey = loadOrCreateKey({ file: keyFile, name });
    // Printed before the log keys are checked, so a first start can also just create the key and show its line.
    out.print(`witness ${name} ${verifierKeyOf(signerKey, SIGNATURE_TYPE.cosignatureV1)}`);
    if (logKeys.length === 0) throw new UsageError('missing --log-key (or DID_CITY_WITNESS_LOG_KEYS_FILE): the log keys this witness trusts');
    const instance = new Witness({ file: stateFile, signerKey, logKeys });
    out.print(`trusting ${logKeys.length} log key${logKeys.length === 1 ? '' : 's'}: ${logKeys.join(', ')}`);
    const listen = listenOf(values, { name: 'DID_CITY_WITNESS_LISTEN', value: config.env('DID_CITY_WITNESS_LISTEN') });
    return serveApp({ app: createWitnessApp(instance), listen, out, what: `did:city witness ${instance.name}`, onClose: () => instance.close() });
  },
};

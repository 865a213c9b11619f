/**
 * `did-city witness`: one institute's C2SP tlog-witness as its own process, with its own key and its own state
 * file, trusting every institute's log key (whichever institute's node sequences signs the checkpoints). Settings
 * come from flags, else from the DID_CITY_WITNESS_* environment (deploy/three-institutes/institute-X/witness.env).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SIGNATURE_TYPE, verifierKeyOf } from '@did-city/tlog';
import { flagOptions, readSettingFile, readSettings } from '@did-city/method/settings';
import { type CommandSpec, UsageError } from '../args.ts';
import { environmentOnly, listenFrom } from '../settings/common.ts';
import { WITNESS_SETTINGS } from '../settings/witness.ts';
import { readTextOrFile, serveApp } from './serving.ts';

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

Environment only (flags win over the settings named in the options): ${environmentOnly(WITNESS_SETTINGS)}.`,
  options: flagOptions(WITNESS_SETTINGS),
  async run({ values, out, config }) {
    const { createWitnessApp, loadOrCreateKey, Witness } = await import('@did-city/ledger');
    const { values: settings, from } = readSettings(WITNESS_SETTINGS, { env: config.environment, flags: values });
    const dataDir = resolve(settings.dataDir);
    const { name } = settings;
    const keyFile = resolve(settings.keyFile ?? join(dataDir, 'witness.key'));
    const stateFile = resolve(settings.state ?? join(dataDir, 'state.db'));
    const given = settings.logKey ?? [];
    const logKeys =
      given.length > 0
        ? given.flatMap((value) => keyLines(readTextOrFile(value)))
        : settings.logKeysFile !== undefined
          ? keyLines(readSettingFile(settings.logKeysFile, 'DID_CITY_WITNESS_LOG_KEYS_FILE'))
          : [];
    for (const file of [keyFile, stateFile]) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const signerKey = loadOrCreateKey({ file: keyFile, name });
    // Printed before the log keys are checked, so a first start can also just create the key and show its line.
    out.print(`witness ${name} ${verifierKeyOf(signerKey, SIGNATURE_TYPE.cosignatureV1)}`);
    if (logKeys.length === 0)
      throw new UsageError('missing --log-key (or DID_CITY_WITNESS_LOG_KEYS_FILE): the log keys this witness trusts');
    const instance = new Witness({ file: stateFile, signerKey, logKeys });
    out.print(`trusting ${logKeys.length} log key${logKeys.length === 1 ? '' : 's'}: ${logKeys.join(', ')}`);
    const listen = listenFrom(settings, from, settings.listen);
    return serveApp({
      app: createWitnessApp(instance),
      listen,
      out,
      what: `did:city witness ${instance.name}`,
      onClose: () => instance.close(),
    });
  },
};

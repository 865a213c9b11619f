/**
 * `keys generate` and `keys show`: keys live in the key file the user controls (mode 0600); public keys are
 * shown freely, secret keys only with `--secret`.
 */
import { generateKeyPair, keyHash } from '@did-city/method';
import { type CommandSpec, flag, str, UsageError } from '../args.ts';
import {
  checkKeyName,
  exposedMode,
  isKeyType,
  type KeyFile,
  readKeyFile,
  type StoredKey,
  storedKey,
  writeKeyFile,
} from '../keyfile.ts';
import { CliError, EXIT, type Output } from '../output.ts';

function warnIfExposed(out: Output, file: string): void {
  const mode = exposedMode(file);
  if (mode !== undefined) {
    out.warn(
      `${file} is readable by other users (mode ${mode.toString(8).padStart(4, '0')}); fix it with: chmod 600 ${file}`,
    );
  }
}

function publicView(key: StoredKey, secret: boolean) {
  const view = {
    name: key.name,
    keyType: key.keyType,
    publicKeyMultibase: key.publicKeyMultibase,
    keyHash: keyHash(key.publicKeyMultibase),
  };
  return secret ? { ...view, secretKey: key.secretKey } : view;
}

export const keysGenerate: CommandSpec = {
  name: 'keys generate',
  summary: 'Generate a key pair and add it to the key file (created with mode 0600).',
  details: `The key file is JSON: { "version": 1, "keys": [{ "name", "keyType", "publicKeyMultibase", "secretKey" }] }.
A name is never reused: generating a key with a name the file already holds is refused.
Prints the public key (Multikey) and its pre-rotation hash; never the secret key.`,
  options: {
    type: {
      type: 'string',
      value: 'TYPE',
      doc: 'Ed25519 (default), P-256, secp256k1 or SM2 (GB/T 32918, signs sm2-jcs-2026)',
    },
    name: { type: 'string', value: 'N', doc: 'name of the key in the file (default "default")' },
    file: { type: 'string', value: 'PATH', doc: 'key file to write (default: --keys, or ~/.did-city/keys.json)' },
  },
  async run({ values, out, config }) {
    const keyType = str(values, 'type') ?? 'Ed25519';
    if (!isKeyType(keyType)) throw new UsageError(`--type must be Ed25519, P-256, secp256k1 or SM2, not "${keyType}"`);
    const name = checkKeyName(str(values, 'name') ?? 'default');
    const file = str(values, 'file') ?? config.keyFile;
    const content: KeyFile = readKeyFile(file);
    if (content.keys.some((k) => k.name === name)) {
      throw new CliError({
        exit: EXIT.refused,
        title: 'Key exists',
        detail: `${file} already holds a key named "${name}"; it is not overwritten`,
        hint: 'choose another --name',
      });
    }
    const key = storedKey(name, generateKeyPair(keyType));
    writeKeyFile(file, { version: 1, keys: [...content.keys, key] });
    const view = publicView(key, false);
    out.result(
      `generated ${keyType} key "${name}" in ${file}\n  public key  ${view.publicKeyMultibase}\n  key hash    ${view.keyHash}`,
      { ...view, file },
    );
    return EXIT.ok;
  },
};

export const keysShow: CommandSpec = {
  name: 'keys show',
  summary: 'Show the keys of the key file: public keys only, unless --secret.',
  details: 'Warns on stderr when the key file can be read by other users.',
  options: {
    name: { type: 'string', value: 'N', doc: 'only this key (default: all keys)' },
    secret: { type: 'boolean', doc: 'also print the secret key (base64url); keep the output private' },
  },
  async run({ values, out, config }) {
    const file = config.keyFile;
    warnIfExposed(out, file);
    const name = str(values, 'name');
    const keys = readKeyFile(file).keys.filter((k) => name === undefined || k.name === name);
    if (name !== undefined && keys.length === 0) {
      throw new CliError({ exit: EXIT.refused, title: 'No such key', detail: `${file} has no key named "${name}"` });
    }
    const secret = flag(values, 'secret');
    const views = keys.map((k) => publicView(k, secret));
    const text = views.length === 0 ? `${file} holds no keys (did-city keys generate)` : views.map(keyText).join('\n');
    out.result(text, views);
    return EXIT.ok;
  },
};

function keyText(view: ReturnType<typeof publicView>): string {
  const lines = [
    `${view.name} (${view.keyType})`,
    `  public key  ${view.publicKeyMultibase}`,
    `  key hash    ${view.keyHash}`,
  ];
  if ('secretKey' in view) lines.push(`  secret key  ${view.secretKey}`);
  return lines.join('\n');
}

// Loading registrar-held keys: the key file must be private and well formed, errors never quote key material,
// and the token is checked before a held key signs anything.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@did-city/method';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config.ts';
import { loadHeldKeys } from '../src/held-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'did-city-held-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = generateKeyPair('P-256');
const secret = Buffer.from(key.secretKey).toString('base64url');
const stored = { name: 'k', keyType: key.keyType, publicKeyMultibase: key.publicKeyMultibase, secretKey: secret };
const TOKEN = 'a-token-of-sixteen-or-more';

function file(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode });
  return path;
}

function message(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('loadHeldKeys', () => {
  it('signs with a held key only for the right token', () => {
    const held = loadHeldKeys(file('good.json', JSON.stringify({ version: 1, keys: [stored] })), TOKEN);
    expect(held.count).toBe(1);
    expect(held.signerFor(key.publicKeyMultibase)?.publicKeyMultibase).toBe(key.publicKeyMultibase);
    expect(held.signerFor(generateKeyPair().publicKeyMultibase)).toBeUndefined();
    expect(() => held.authorise(TOKEN)).not.toThrow();
    expect(message(() => held.authorise(`${TOKEN}x`))).toMatch(/heldKeysToken is not this driver's/);
    expect(message(() => held.authorise(undefined))).toMatch(/heldKeysToken/);
  });

  it('refuses a file others can read, a broken file and a key that does not match, without quoting secrets', () => {
    expect(message(() => loadHeldKeys(file('open.json', JSON.stringify({ keys: [stored] }), 0o644), TOKEN))).toMatch(
      /readable by other users: make it mode 0600/,
    );
    const broken = message(() => loadHeldKeys(file('broken.json', `{"keys": [{"secretKey": "${secret}"`), TOKEN));
    expect(broken).toMatch(/is not a did:city key file/);
    expect(broken).not.toContain(secret.slice(0, 8));
    const other = { ...stored, publicKeyMultibase: generateKeyPair('P-256').publicKeyMultibase };
    const mismatch = message(() => loadHeldKeys(file('mismatch.json', JSON.stringify({ keys: [other] })), TOKEN));
    expect(mismatch).toMatch(/key 0 is not a valid key for its public key/);
    expect(mismatch).not.toContain(secret.slice(0, 8));
    expect(message(() => loadHeldKeys(file('empty.json', '{"keys": []}'), TOKEN))).toMatch(/holds no keys/);
    expect(message(() => loadHeldKeys(file('short.json', JSON.stringify({ keys: [stored] })), 'short'))).toMatch(
      /at least 16/,
    );
  });

  it('is off unless both settings are given, and a short token is refused', () => {
    const base = {
      uniregistrar_driver_did_city_ledgerUrl: 'http://ledger:8080/',
      uniregistrar_driver_did_city_trustPolicy: 'quorum none\n',
    };
    expect(loadSettings(base).heldKeys).toBeUndefined();
    expect(message(() => loadSettings({ ...base, uniregistrar_driver_did_city_heldKeys: '/keys.json' }))).toMatch(
      /needs uniregistrar_driver_did_city_heldKeysToken/,
    );
    expect(message(() => loadSettings({ ...base, uniregistrar_driver_did_city_heldKeysToken: TOKEN }))).toMatch(
      /without uniregistrar_driver_did_city_heldKeys/,
    );
    expect(
      loadSettings({
        ...base,
        uniregistrar_driver_did_city_heldKeys: '/keys.json',
        uniregistrar_driver_did_city_heldKeysToken: TOKEN,
      }).heldKeys,
    ).toEqual({ file: '/keys.json', token: TOKEN });
  });
});

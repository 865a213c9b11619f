/**
 * A test network of institutes: each has its own log signer key for the one shared origin (whichever
 * institute's sequencer is at the primary signs), and its own witness with its own key and state file. The trust
 * policy lists every institute's log key and witness, with a witness quorum of 2.
 */
import { join } from 'node:path';
import { generateKeyPair, openNote, verifierFromKey } from '@did-city/tlog';
import { Witness } from '../../src/witness/witness.ts';

export const ORIGIN = 'city.ledger/test';
export const INSTITUTE_NAMES = ['institute-a', 'institute-b', 'institute-c'] as const;
export const QUORUM = 2;

export interface Institute {
  name: string;
  /** Log signer key (note format), named after ORIGIN. */
  logKey: string;
  logVerifierKey: string;
  /** The institute's witness signer key, named after the institute. */
  witnessKey: string;
}

export function makeInstitutes(): Institute[] {
  return INSTITUTE_NAMES.map((name) => {
    const log = generateKeyPair(ORIGIN);
    return {
      name,
      logKey: log.signerKey,
      logVerifierKey: log.verifierKey,
      witnessKey: generateKeyPair(name).signerKey,
    };
  });
}

/** Opens (or reopens: same file, same key) the witness of `institute`, trusting every institute's log key. */
export function openWitness(dir: string, institute: Institute, all: readonly Institute[]): Witness {
  return new Witness({
    file: join(dir, `${institute.name}.witness.db`),
    signerKey: institute.witnessKey,
    logKeys: all.map((i) => i.logVerifierKey),
  });
}

/** C2SP tlog-policy: every institute's log key for the one origin, every witness, quorum 2 of 3. */
export function networkPolicy(institutes: readonly Institute[], witnessVerifierKeys: readonly string[]): string {
  const lines = [
    ...institutes.map((i) => `log ${i.logVerifierKey}`),
    ...institutes.map((i, n) => `witness ${i.name} ${witnessVerifierKeys[n]}`),
    `group institutes ${QUORUM} ${institutes.map((i) => i.name).join(' ')}`,
    'quorum institutes',
  ];
  return `${lines.join('\n')}\n`;
}

/** Whether the note carries a valid signature by this institute's log key. */
export function signedBy(note: string, institute: Institute): boolean {
  try {
    return openNote(note, [verifierFromKey(institute.logVerifierKey)]).verified.length > 0;
  } catch {
    return false;
  }
}

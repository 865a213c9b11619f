/**
 * The one error type of @did-city/tlog. Callers branch on `code`, never on the message text.
 * Wrong argument types still throw TypeError and out-of-range numbers RangeError: those are programming errors,
 * while a TlogError means the *data* (a proof, a note, a policy, a request) was rejected.
 */
export type TlogErrorCode =
  /** An inclusion or consistency proof does not verify. */
  | 'INVALID_PROOF'
  /** A signed note is not in the C2SP signed-note format. */
  | 'MALFORMED_NOTE'
  /** A note text is not a C2SP tlog-checkpoint. */
  | 'MALFORMED_CHECKPOINT'
  /** A verifier or signer key string (or a signer's name) is malformed, or its key ID does not match. */
  | 'MALFORMED_KEY'
  /** A key uses a signature type this package does not implement. */
  | 'UNSUPPORTED_ALGORITHM'
  /** A signature from a known key failed to verify. */
  | 'INVALID_SIGNATURE'
  /** No signature from a known key is present on the note. */
  | 'UNVERIFIED_NOTE'
  /** Two known keys share both name and key ID, so a signature cannot be attributed. */
  | 'AMBIGUOUS_KEY'
  /** A C2SP tlog-policy file is malformed. */
  | 'MALFORMED_POLICY'
  /** A checkpoint is not signed by a policy log or its witness quorum is not met. */
  | 'POLICY_NOT_SATISFIED'
  /** A tlog-witness add-checkpoint request body is malformed. */
  | 'MALFORMED_REQUEST'
  /** A tlog-tiles path, tile or entry bundle is malformed. */
  | 'MALFORMED_TILE';

export class TlogError extends Error {
  readonly code: TlogErrorCode;

  constructor(code: TlogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TlogError';
    this.code = code;
  }
}

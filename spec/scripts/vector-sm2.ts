/**
 * Vectors of the sm2-jcs-2026 cryptosuite (spec/sm2-jcs-2026.md, did-city.md §3.6 R-PRF-3):
 *
 * - `cryptosuites/sm2-jcs-2026.json`: the standards' own examples (SM3, GB/T 32905; the SM2 signature example on
 *   the recommended curve), a worked example in the shape of the W3C eddsa-jcs-2022 representation (every
 *   intermediate value), and proofs a verifier must reject;
 * - an accepted operation: Shanghai created with SM2 keys, signed by its SM2 key and two institutes whose keys are
 *   Ed25519 and P-256 (suites mixed in one proof set);
 * - negative operations breaking R-PRF-3 or R-PRF-1 with an SM2 key.
 */
import { createProof } from '../../packages/method/src/data-integrity.ts';
import {
  canonicalBytes,
  canonicalize,
  createOperation,
  type DataIntegrityProof,
  DidCityError,
  decodeMultikey,
  didKeyUrl,
  type LogEntry,
  type Operation,
  operationHash,
  SM2_DEFAULT_ID,
  sha256,
  sm2Sign,
  sm2UncompressedKey,
  sm2Z,
  sm3,
  verifyProof,
} from '../../packages/method/src/index.ts';
import { hex, PROOF_CREATED, plain, type VectorKey, vectorKey } from './vector-format.ts';
import { expectedError } from './vector-negative.ts';
import { type Vector, WORLD_LOG } from './vector-resolution.ts';
import { applyToState, day, KEYS, sign, simpleDocument, type World, world } from './vector-world.ts';

const SHANGHAI = 'did:city:cn:310000';
const exampleKey = vectorKey('sm2-example', 'SM2');
const shUpdate = vectorKey('sh-update-1', 'SM2');
const shAssertion = vectorKey('sh-assertion-1', 'SM2');
/** Keys these vectors add (listed in keys.json). */
export const SM2_KEYS: readonly VectorKey[] = [exampleKey, shUpdate, shAssertion];

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58btc(bytes: Uint8Array): string {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  let out = '';
  for (; n > 0n; n /= 58n) out = BASE58[Number(n % 58n)] + out;
  const zeros = bytes.findIndex((b) => b !== 0);
  return `z${'1'.repeat(zeros < 0 ? bytes.length : zeros)}${out}`;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (a: Uint8Array, b: Uint8Array) => new Uint8Array([...a, ...b]);

/** GB/T 32905-2016 Appendix A. */
const SM3_EXAMPLES = [
  {
    source: 'GB/T 32905-2016 Appendix A, example 1',
    inputUtf8: 'abc',
    digestHex: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
  },
  {
    source: 'GB/T 32905-2016 Appendix A, example 2',
    inputUtf8: 'abcd'.repeat(16),
    digestHex: 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
  },
];

/** GM/T 0003.5-2012 Annex A = GB/T 32918.5-2017 Annex A: the recommended curve, the default identifier. */
const SIGNATURE_EXAMPLE = {
  source:
    'GM/T 0003.5-2012 Annex A (GB/T 32918.5-2017 Annex A): signature on the recommended curve with the default identifier; the examples of GB/T 32918.2-2016 use a test curve',
  secretKeyHex: '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8',
  publicKeyHex:
    '0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13',
  id: SM2_DEFAULT_ID,
  messageUtf8: 'message digest',
  zaHex: 'b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3',
  eHex: 'f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640',
  kHex: '59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21',
  signatureHex:
    'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa',
};

/** The unsecured credential of the W3C eddsa-jcs-2022 representation example, so the two can be compared. */
const UNSECURED = {
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
  id: 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33',
  type: ['VerifiableCredential', 'AlumniCredential'],
  name: 'Alumni Credential',
  description: 'A minimum viable example of an Alumni Credential.',
  issuer: 'https://vc.example/issuers/5678',
  validFrom: '2023-01-01T00:00:00Z',
  credentialSubject: { id: 'did:example:abcdefgh', alumniOf: 'The School of Examples' },
};

function checkStandards(): void {
  for (const e of SM3_EXAMPLES)
    if (hex(sm3(utf8(e.inputUtf8))) !== e.digestHex) throw new Error(`SM3 ${e.source} fails`);
  const publicKey = Buffer.from(SIGNATURE_EXAMPLE.publicKeyHex, 'hex');
  if (hex(sm2Z(publicKey)) !== SIGNATURE_EXAMPLE.zaHex) throw new Error('SM2 example: Z_A differs');
}

/** Signs hashData as the suite does but with a deviation, for the rejected examples. */
function deviantProof(base: DataIntegrityProof, signature: Uint8Array): DataIntegrityProof {
  return { ...base, proofValue: base58btc(signature) };
}

function toDer(signature: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    const trimmed = bytes.subarray(bytes.findIndex((b) => b !== 0));
    const body = trimmed[0]! & 0x80 ? [0, ...trimmed] : [...trimmed];
    return [0x02, body.length, ...body];
  };
  const content = [...integer(signature.subarray(0, 32)), ...integer(signature.subarray(32))];
  return Uint8Array.from([0x30, content.length, ...content]);
}

async function workedExample() {
  const created = await createProof(UNSECURED, {
    signer: exampleKey.signer,
    verificationMethod: didKeyUrl(exampleKey.mk),
    proofPurpose: 'assertionMethod',
    created: PROOF_CREATED,
  });
  const proofOptions = withoutValue(created);
  const canonicalDocument = canonicalize(UNSECURED);
  const canonicalProofConfig = canonicalize(proofOptions);
  const documentHash = sm3(utf8(canonicalDocument));
  const proofConfigHash = sm3(utf8(canonicalProofConfig));
  const hashData = concat(proofConfigHash, documentHash);
  const publicKey = decodeMultikey(exampleKey.mk).publicKey;
  const za = sm2Z(publicKey);
  const signature = sm2Sign(exampleKey.pair.secretKey, hashData);
  const proof = { ...proofOptions, proofValue: base58btc(signature) } as DataIntegrityProof;
  // The intermediate values, computed step by step here, give the proof the library created.
  if (proof.proofValue !== created.proofValue) throw new Error('sm2-jcs-2026: the steps and createProof disagree');
  if (!verifyProof(UNSECURED, proof, exampleKey.mk)) throw new Error('sm2-jcs-2026 worked example does not verify');
  const example = {
    keyPair: {
      publicKeyMultibase: exampleKey.mk,
      publicKeyHex: hex(sm2UncompressedKey(publicKey)),
      secretKeyHex: hex(exampleKey.pair.secretKey),
    },
    unsecuredDocument: UNSECURED,
    canonicalDocument,
    documentHashHex: hex(documentHash),
    proofOptions,
    canonicalProofConfig,
    proofConfigHashHex: hex(proofConfigHash),
    hashDataHex: hex(hashData),
    zaHex: hex(za),
    eHex: hex(sm3(concat(za, hashData))),
    signatureHex: hex(signature),
    proofValue: proof.proofValue,
    signedDocument: { ...UNSECURED, proof },
  };
  return { example, proof, hashData };
}

function rejectedExamples(proof: DataIntegrityProof, hashData: Uint8Array) {
  const secret = exampleKey.pair.secretKey;
  const sha256HashData = concat(sha256(canonicalBytes(withoutValue(proof))), sha256(canonicalBytes(UNSECURED)));
  const signature = sm2Sign(secret, hashData);
  const cases = [
    {
      reason: 'signed with the empty identifier (what OpenSSL 3 and node:crypto use by default)',
      proof: deviantProof(proof, sm2Sign(secret, hashData, { id: '' })),
    },
    {
      reason: 'hashData computed with SHA-256 instead of SM3',
      proof: deviantProof(proof, sm2Sign(secret, sha256HashData)),
    },
    {
      reason: 'the signature DER-encoded (GM/T 0009 SEQUENCE) instead of r || s',
      proof: deviantProof(proof, toDer(signature)),
    },
    {
      reason: 'cryptosuite ecdsa-jcs-2019 with an SM2 key',
      proof: { ...proof, cryptosuite: 'ecdsa-jcs-2019' as const },
    },
    {
      reason: 'the document changed after signing (name)',
      proof,
      document: { ...UNSECURED, name: 'Alumni Credential!' },
    },
  ];
  for (const c of cases) {
    if (verifyProof(c.document ?? UNSECURED, c.proof, exampleKey.mk))
      throw new Error(`sm2-jcs-2026: "${c.reason}" verifies`);
  }
  return cases.map((c) => ({ reason: c.reason, signedDocument: { ...(c.document ?? UNSECURED), proof: c.proof } }));
}

function withoutValue(proof: DataIntegrityProof): Omit<DataIntegrityProof, 'proofValue'> {
  const { proofValue: _value, ...config } = proof;
  return config;
}

export async function suiteVector(): Promise<Vector> {
  checkStandards();
  const { example, proof, hashData } = await workedExample();
  return {
    id: 'cryptosuites/sm2-jcs-2026',
    kind: 'cryptosuite',
    description:
      'sm2-jcs-2026 (spec/sm2-jcs-2026.md): standard SM3 and SM2 examples, a worked example with every intermediate value (the document of the W3C eddsa-jcs-2022 example), and proofs a verifier must reject',
    rules: ['R-PRF-3'],
    standards: { sm3: SM3_EXAMPLES, sm2Signature: SIGNATURE_EXAMPLE },
    example,
    rejected: rejectedExamples(proof, hashData),
  };
}

/** Shanghai's create: own SM2 key plus institutes A (Ed25519) and D (P-256), the registry's current quorum. */
function shanghaiCreate() {
  return createOperation({
    did: SHANGHAI,
    updateKeys: [shUpdate.mk],
    document: simpleDocument(shAssertion),
  });
}

function stateAfter(w: World) {
  return w.histories[w.entries.length]!;
}

function failureCode(w: World, entry: LogEntry): string | undefined {
  try {
    applyToState(stateAfter(w), entry, w.genesis);
    return undefined;
  } catch (error) {
    if (error instanceof DidCityError) return error.code;
    throw error;
  }
}

/** The operation with Shanghai's (first) proof replaced. */
function replaceSm2Proof(op: Operation, proof: DataIntegrityProof): Operation {
  return { ...op, proof: [proof, ...op.proof.slice(1)] } as Operation;
}

export async function sm2OperationVectors(): Promise<Vector[]> {
  const w = await world();
  const count = w.entries.length;
  const signed = await sign(shanghaiCreate(), [shUpdate, KEYS.instituteA, KEYS.instituteD]);
  const entryOf = (operation: Operation): LogEntry => ({ index: count, integratedTime: day(count), operation });
  const accepted = entryOf(signed);
  if (failureCode(w, accepted) !== undefined) throw new Error('the SM2 Shanghai create is refused');
  const [sm2Proof] = signed.proof;
  const { proof: _proofs, ...unsigned } = signed;
  const hashData = concat(sm3(canonicalBytes(withoutValue(sm2Proof!))), sm3(canonicalBytes(unsigned)));
  const sha256HashData = concat(sha256(canonicalBytes(withoutValue(sm2Proof!))), sha256(canonicalBytes(unsigned)));
  const secret = shUpdate.pair.secretKey;
  const negatives = [
    {
      name: 'sm2-empty-identifier',
      rule: 'R-PRF-3',
      description: 'Shanghai create whose SM2 proof was signed with the empty identifier instead of 1234567812345678',
      proof: deviantProof(sm2Proof!, sm2Sign(secret, hashData, { id: '' })),
    },
    {
      name: 'sm2-sha256-hashing',
      rule: 'R-PRF-3',
      description: 'Shanghai create whose sm2-jcs-2026 proof hashes with SHA-256 instead of SM3',
      proof: deviantProof(sm2Proof!, sm2Sign(secret, sha256HashData)),
    },
    {
      name: 'sm2-der-signature',
      rule: 'R-PRF-3',
      description: 'Shanghai create whose SM2 signature is DER-encoded (GM/T 0009) instead of r || s',
      proof: deviantProof(sm2Proof!, toDer(sm2Sign(secret, hashData))),
    },
    {
      name: 'sm2-key-ecdsa-suite',
      rule: 'R-PRF-1',
      description: 'Shanghai create whose SM2 key signs under cryptosuite ecdsa-jcs-2019',
      proof: { ...sm2Proof!, cryptosuite: 'ecdsa-jcs-2019' as const },
    },
  ];
  const vectors: Vector[] = [
    {
      id: 'operations/15-sm2-create',
      kind: 'append',
      description:
        'Shanghai (310000) created with SM2 update and assertion keys: its sm2-jcs-2026 proof beside institute A (eddsa-jcs-2022) and institute D (ecdsa-jcs-2019): accepted',
      rules: ['R-PRF-1', 'R-PRF-3', 'R-AUTH-1'],
      log: WORLD_LOG,
      entries: count,
      genesis: w.genesis,
      entry: plain(accepted),
      expected: { accepted: true, operationHash: operationHash(signed), bytes: canonicalBytes(signed).length },
    },
  ];
  for (const n of negatives) {
    const entry = entryOf(replaceSm2Proof(signed, n.proof));
    const code = failureCode(w, entry);
    if (code !== 'INVALID_SIGNATURE')
      throw new Error(`negative/${n.rule}-${n.name}: expected INVALID_SIGNATURE, got ${code}`);
    vectors.push({
      id: `negative/${n.rule}-${n.name}`,
      kind: 'append',
      description: n.description,
      rule: n.rule,
      log: WORLD_LOG,
      entries: count,
      genesis: w.genesis,
      entry: plain(entry),
      expected: { error: expectedError('INVALID_SIGNATURE') },
    });
  }
  return vectors;
}

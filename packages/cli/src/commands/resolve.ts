/**
 * `resolve` and `history`: both verify before they show anything (checkpoint signature and witness quorum
 * against the trust policy, every inclusion proof, the replayed operation chain).
 */
import { createCityResolver, type DIDDocument, type DIDResolutionResult, ERRORS, parseDid } from '@did-city/method';
import { type CommandSpec, str, UsageError } from '../args.ts';
import { pinsOf } from '../genesis.ts';
import { RecordingReader } from '../ledger.ts';
import { EXIT, fromProblem } from '../output.ts';

/** A did:city DID is checked here, so a typo is a usage error (exit 2); other methods are the resolver's to refuse. */
export function checkedDid(value: string): string {
  if (!value.startsWith('did:')) throw new UsageError(`"${value}" is not a DID`);
  if (value.startsWith('did:city:')) parseDid(value);
  return value;
}

function keyLines(document: DIDDocument): string[] {
  const relationships = [
    'authentication',
    'assertionMethod',
    'keyAgreement',
    'capabilityInvocation',
    'capabilityDelegation',
  ] as const;
  return (document.verificationMethod ?? []).map((method) => {
    const uses = relationships.filter((r) => document[r]?.includes(method.id));
    return `  ${method.id}\n    ${method.publicKeyMultibase}  (${uses.join(', ') || 'no relationship'})`;
  });
}

function serviceLines(document: DIDDocument): string[] {
  return (document.service ?? []).map(
    (s) => `  ${s.id}  ${[s.type].flat().join(',')}  ${JSON.stringify(s.serviceEndpoint).replace(/^"|"$/g, '')}`,
  );
}

export function resolutionText(did: string, result: DIDResolutionResult): string {
  const meta = result.didDocumentMetadata;
  const city = meta.city;
  const lines = [`DID       ${did}`, `status    ${meta.deactivated ? 'deactivated' : 'active'}`];
  if (city?.name !== undefined) lines.push(`city      ${city.name} (${city.divisionCode}, ${city.level})`);
  else if (city?.divisionCode !== undefined) lines.push(`division  ${city.divisionCode}`);
  if (meta.versionId !== undefined)
    lines.push(`version   ${meta.versionId}${meta.nextVersionId ? ` (latest is newer)` : ''}`);
  lines.push(`created   ${meta.created ?? '-'}`, `updated   ${meta.updated ?? meta.created ?? '-'}`);
  if (meta.successor) lines.push(`successor ${meta.successor}`);
  const document = result.didDocument as DIDDocument | null;
  if (document !== null) {
    lines.push('keys', ...(keyLines(document).length ? keyLines(document) : ['  (none)']));
    lines.push('services', ...(serviceLines(document).length ? serviceLines(document) : ['  (none)']));
    if (document.alsoKnownAs?.length) lines.push(`also known as ${document.alsoKnownAs.join(', ')}`);
  }
  const ledger = result.didResolutionMetadata.ledger;
  if (ledger !== undefined)
    lines.push(`verified against ${ledger.origin} checkpoint of size ${ledger.treeSize} (witness quorum)`);
  return lines.join('\n');
}

/** A failed resolution as a CLI failure: an unreachable ledger is exit 3 (the reader kept its code), else 1. */
function resolutionFailure(
  reader: RecordingReader,
  error: NonNullable<DIDResolutionResult['didResolutionMetadata']['error']>,
): never {
  if (reader.lastError !== undefined && reader.lastError.code === 'LEDGER_UNAVAILABLE') throw reader.lastError;
  if (reader.lastError !== undefined && ERRORS[reader.lastError.code].resolutionError !== undefined)
    throw reader.lastError;
  throw fromProblem(error);
}

export const resolve: CommandSpec = {
  name: 'resolve',
  summary: 'Resolve a did:city DID, verifying it against the ledger: keys, services, status, city name and code.',
  details: 'Without options the latest version is shown; a deactivated DID shows status deactivated (exit 0).',
  positionals: [{ name: 'DID', doc: 'the DID, e.g. did:city:cn:130100' }],
  options: {
    'version-id': { type: 'string', value: 'N', doc: 'the version with this seq' },
    'version-time': {
      type: 'string',
      value: 'T',
      doc: 'the version in force at this time (e.g. 2026-11-22T00:00:00Z)',
    },
  },
  async run({ values, positionals, out, config }) {
    const did = checkedDid(positionals[0]!);
    const reader = new RecordingReader(await config.reader());
    const options: Record<string, string> = {};
    const versionId = str(values, 'version-id');
    const versionTime = str(values, 'version-time');
    if (versionId !== undefined) options.versionId = versionId;
    if (versionTime !== undefined) options.versionTime = versionTime;
    const result = await createCityResolver({ reader, cache: false, ...pinsOf(config) }).resolve(did, options);
    const error = result.didResolutionMetadata.error;
    if (error !== undefined) resolutionFailure(reader, error);
    out.result(resolutionText(did, result), result);
    return EXIT.ok;
  },
};

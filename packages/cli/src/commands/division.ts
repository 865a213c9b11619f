/**
 * `division show`: a GB/T 2260 code as the bundled record of change has it (spec §2.1), with no ledger involved:
 * its name, level and parent, the editions it was listed in, how it was retired and where it went, earlier names,
 * the codes retired into it, and whether a registry may still create its DID (R-ALLOC-2).
 */
import {
  allocatableIn,
  type DivisionHistory,
  divisionEditions,
  divisionHistory,
  latestDivisionEdition,
  lookupDivision,
} from '@did-city/method';
import { type CommandSpec, UsageError } from '../args.ts';
import { CliError, EXIT } from '../output.ts';

/** A 6-digit code, or a `cn` division DID (any network). */
function codeOf(value: string): string {
  const match = /^(?:did:city:(?:[a-z][a-z0-9]{2,15}:)?cn:)?(\d{6})$/.exec(value);
  if (match === null) throw new UsageError(`"${value}" is not a 6-digit GB/T 2260 code or a did:city:cn:<code> DID`);
  return match[1]!;
}

function label(code: string): string {
  const name = lookupDivision(code)?.name;
  return name === undefined ? code : `${code} ${name}`;
}

function statusLines(division: DivisionHistory, oldest: string): string[] {
  const since = division.since === oldest ? `${oldest} (the oldest edition of the record, or earlier)` : division.since;
  if (division.retired === undefined) return [`  listed in   editions ${since} to now (in force)`];
  const successors = division.successors ?? [];
  const where =
    successors.length === 0
      ? 'the editions do not say where it went'
      : `${division.change} into ${successors.map(label).join(', ')}`;
  return [
    `  listed in   editions ${since} until ${division.retired}, retired in edition ${division.retired}`,
    `  change      ${where}`,
  ];
}

function historyText(division: DivisionHistory, allocatable: boolean): string {
  const oldest = divisionEditions()[0]!.edition;
  const parent = division.parent === undefined ? '' : `, in ${label(division.parent)}`;
  const lines = [`${division.code} ${division.name} (${division.level}${parent})`, ...statusLines(division, oldest)];
  for (const former of division.formerNames) lines.push(`  named       ${former.name} until edition ${former.until}`);
  for (const p of division.predecessors)
    lines.push(`  absorbed    ${p.code} ${p.name} (${p.change}, edition ${p.retired})`);
  const state = allocatable
    ? 'a registry may create it'
    : 'valid for existing DIDs and their history, closed to new creates (R-ALLOC-2)';
  lines.push(`  DID         did:city:cn:${division.code}: ${state}`);
  return lines.join('\n');
}

export const divisionShow: CommandSpec = {
  name: 'division show',
  summary: 'Show a GB/T 2260 division code and its history (editions, retirement, successors) from the bundled record.',
  details:
    'Reads the record of change bundled with the method library (no ledger). CODE is a 6-digit code or a did:city:cn:CODE DID. ' +
    '--edition: judge allocation against that edition (default: the newest bundled). Exit 1 for a code the record never listed.',
  positionals: [{ name: 'CODE', doc: 'a division code or DID, e.g. 371200 or did:city:cn:371200' }],
  options: {
    edition: {
      type: 'string',
      value: 'YEAR',
      doc: 'the edition a registry allocates from (default: the newest bundled)',
    },
  },
  async run({ positionals, values, out }) {
    const code = codeOf(positionals[0]!);
    const division = divisionHistory(code);
    if (division === undefined) {
      throw new CliError({
        exit: EXIT.refused,
        title: 'Unknown division',
        detail: `${code} is in no edition of the bundled GB/T 2260 record (editions ${divisionEditions()[0]!.edition} to ${latestDivisionEdition()})`,
        hint: 'check the code; grouping rows such as 市辖区 (xxxx01) are not divisions',
      });
    }
    const edition = typeof values.edition === 'string' ? values.edition : latestDivisionEdition();
    const allocatable = allocatableIn(code, edition);
    out.result(historyText(division, allocatable), { did: `did:city:cn:${code}`, ...division, edition, allocatable });
    return EXIT.ok;
  },
};

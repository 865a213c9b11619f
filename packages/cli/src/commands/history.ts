/**
 * `history`: every operation of a DID as the ledger proved it, with a verification report of the three checks a
 * resolver makes (spec §7.6): the checkpoint (log signature + witness quorum of the trust policy), each entry's
 * inclusion proof, and the operation chain replayed with the parent's key state at each position.
 */
import { DidCityError, type ErrorCode, type LedgerHistory, loadHistory, operationHash } from '@did-city/method';
import { evaluateCheckpoint, parsePolicy } from '@did-city/tlog';
import type { CommandSpec } from '../args.ts';
import { EXIT } from '../output.ts';
import { checkedDid } from './resolve.ts';

type Step = 'checkpoint' | 'inclusion' | 'chain';

/** Which check a failure belongs to, by its code. */
const STEP_OF: Partial<Record<ErrorCode, Step>> = {
  UNTRUSTED_CHECKPOINT: 'checkpoint',
  INCONSISTENT_CHECKPOINT: 'checkpoint',
  INVALID_LEDGER_PROOF: 'inclusion',
};

type Status = 'ok' | 'failed' | 'not checked';

interface Report {
  checkpoint: { status: Status; origin?: string; size?: number; cosigners?: string[] };
  inclusion: { status: Status; entries?: number };
  chain: { status: Status; operations?: number };
}

function entryView(entry: LedgerHistory['entries'][number]) {
  const { operation } = entry;
  const signers = operation.proof.map((proof) =>
    proof.verificationMethod.slice(proof.verificationMethod.indexOf('#') + 1),
  );
  return {
    seq: operation.seq,
    type: operation.type,
    integratedTime: entry.integratedTime,
    leafIndex: entry.index,
    operationHash: operationHash(operation),
    signers,
  };
}

function reportText(report: Report): string {
  const mark = (status: Status) => (status === 'ok' ? 'OK' : status.toUpperCase());
  const { checkpoint, inclusion, chain } = report;
  const cosigned = checkpoint.cosigners ? `, co-signed by ${checkpoint.cosigners.join(', ')}` : '';
  return [
    'verification',
    `  checkpoint signature + witness quorum  ${mark(checkpoint.status)}${checkpoint.size === undefined ? '' : ` (${checkpoint.origin}, size ${checkpoint.size}${cosigned})`}`,
    `  every inclusion proof                  ${mark(inclusion.status)}${inclusion.entries === undefined ? '' : ` (${inclusion.entries} entries)`}`,
    `  operation chain                        ${mark(chain.status)}${chain.operations === undefined ? '' : ` (seq 0..${chain.operations - 1}, signatures and authorisation replayed)`}`,
  ].join('\n');
}

function entriesText(views: ReturnType<typeof entryView>[]): string {
  return views
    .map(
      (v) =>
        `seq ${v.seq}  ${v.type.padEnd(10)} ${v.integratedTime}  leaf ${v.leafIndex}\n  operation ${v.operationHash}\n  signed by ${v.signers.join(', ')}`,
    )
    .join('\n');
}

export const history: CommandSpec = {
  name: 'history',
  summary: "Show a DID's operations (seq, type, time, leaf index, signers) with a verification report.",
  details: 'Exit 1 when any check fails; the report names which.',
  positionals: [{ name: 'DID', doc: 'the DID, e.g. did:city:cn:130100' }],
  options: {},
  async run({ positionals, out, config }) {
    const did = checkedDid(positionals[0]!);
    const reader = await config.reader();
    const report: Report = {
      checkpoint: { status: 'not checked' },
      inclusion: { status: 'not checked' },
      chain: { status: 'not checked' },
    };
    let views: ReturnType<typeof entryView>[] = [];
    try {
      out.progress(`reading the proven history of ${did}…`);
      const served = await reader.history(did);
      if (served.entries.length === 0) throw new DidCityError('NOT_FOUND', `${did} has no operations on this ledger`);
      const verdict = evaluateCheckpoint(served.ledger!.checkpoint, parsePolicy(await config.policy()));
      report.checkpoint = {
        status: 'ok',
        origin: verdict.checkpoint.origin,
        size: verdict.checkpoint.size,
        cosigners: verdict.cosigners.map((c) => c.witness),
      };
      report.inclusion = { status: 'ok', entries: served.entries.length };
      views = served.entries.map(entryView);
      await loadHistory(reader, did);
      report.chain = { status: 'ok', operations: served.entries.length };
    } catch (error) {
      if (!(error instanceof DidCityError) || error.code === 'LEDGER_UNAVAILABLE' || error.code === 'NOT_FOUND')
        throw error;
      report[STEP_OF[error.code] ?? 'chain'].status = 'failed';
      out.result(`${entriesText(views)}\n${reportText(report)}`, {
        did,
        entries: views,
        verification: report,
        verified: false,
      });
      throw error;
    }
    out.result(`${entriesText(views)}\n${reportText(report)}`, {
      did,
      entries: views,
      verification: report,
      verified: true,
    });
    return EXIT.ok;
  },
};

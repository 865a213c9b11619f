/**
 * `did-city ledger check`: asks a running ledger node to check its store against its log (spec §7.5, R-NODE-1):
 * every leaf hash, interior node and checkpoint root recomputed from the leaf bytes, the latest checkpoint's
 * signatures against the trust policy, and the derived per-DID state replayed from the log. The node runs it with
 * the operator's admin token (`POST /integrity/check`); a failure makes it refuse to sequence until a check passes.
 */
import { type CommandSpec, str, UsageError } from '../args.ts';
import { postForReport } from '../http.ts';
import { EXIT } from '../output.ts';

interface Problem {
  kind: string;
  index?: number;
  did?: string;
  detail: string;
}

interface CheckReport {
  status: 'ok' | 'degraded';
  origin: string;
  treeSize: number;
  reasons: string[];
  integrity?: { ok: boolean; checkedAt: string; size?: number; problemCount: number; problems: Problem[] };
}

function reportText(report: CheckReport): string {
  const integrity = report.integrity;
  const lines = [`status     ${report.status}`, `ledger     ${report.origin}, ${report.treeSize} entries co-signed`];
  if (integrity !== undefined) {
    lines.push(
      `checked    ${integrity.size ?? '?'} entries at ${integrity.checkedAt}: ${integrity.ok ? 'no problems' : `${integrity.problemCount} problem(s)`}`,
    );
    for (const problem of integrity.problems) lines.push(`  ${problem.kind.padEnd(20)} ${problem.detail}`);
  }
  for (const reason of report.reasons) lines.push(`degraded   ${reason}`);
  return lines.join('\n');
}

export const ledgerCheck: CommandSpec = {
  name: 'ledger check',
  summary:
    'Have a ledger node check its store against its log; exit 1 if it fails (the node then refuses to sequence).',
  details: `The node replays its whole log (leaf hashes, tree, checkpoints, each DID's derived state) and checks its latest
checkpoint against the trust policy; this can take a while on a large log. It needs the node's admin token. A failed
check makes the node refuse to sequence, with the reason on GET /health, until a later check passes.`,
  options: { token: { type: 'string', value: 'T', doc: 'the node’s admin token (env DID_CITY_ADMIN_TOKEN)' } },
  async run({ values, out, config }) {
    const token = str(values, 'token') ?? config.env('DID_CITY_ADMIN_TOKEN');
    if (token === undefined)
      throw new UsageError('this needs the node’s admin token: --token T or DID_CITY_ADMIN_TOKEN');
    const { body } = await postForReport(new URL('integrity/check', config.ledger).href, token, [503]);
    const report = body as CheckReport;
    out.result(reportText(report), report);
    return report.integrity?.ok === true ? EXIT.ok : EXIT.refused;
  },
};

/** The ledger as a page sees it: the pinned trust policy, the latest checkpoint's verdict, the verified log index. */
import { getText, trustPolicy } from './api.ts';
import { type LogIndex, readLog } from './ledger-index.ts';
import { type CheckpointCheck, checkCheckpoint } from './verify.ts';

export interface LedgerView {
  policy: { text: string; served: string; pinned: boolean };
  note: string;
  checkpoint: CheckpointCheck;
  log: LogIndex;
}

export async function loadLedger(): Promise<LedgerView> {
  const policy = await trustPolicy();
  const note = await getText('/checkpoint');
  const checkpoint = checkCheckpoint(note, policy.text);
  const log =
    checkpoint.ok && checkpoint.checkpoint !== undefined
      ? await readLog(checkpoint.checkpoint)
      : { entries: [], ok: false };
  return { policy, note, checkpoint, log };
}

// Verification helpers shared by the ledger tests: everything is checked with @did-city/tlog, as a client would.
import { DidCityError, type Operation } from '@did-city/method';
import { evaluateCheckpoint, leafHash, parsePolicy, verifyInclusion } from '@did-city/tlog';
import { expect } from 'vitest';
import { encodeLeaf } from '../src/leaf.ts';
import type { LedgerNode } from '../src/node.ts';
import type { Receipt } from '../src/receipt.ts';

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Checks a receipt the way an offline client would: policy, quorum, leaf bytes, inclusion proof. */
export function verifyReceipt(node: LedgerNode, receipt: Receipt, op: Operation): void {
  const verdict = evaluateCheckpoint(receipt.checkpoint, parsePolicy(node.policyText));
  expect(verdict.ok).toBe(true);
  expect(verdict.cosigners.length).toBeGreaterThanOrEqual(2);
  const leaf = encodeLeaf({ integratedTime: receipt.integratedTime, operation: op });
  expect(receipt.leafHash).toBe(Buffer.from(leafHash(leaf)).toString('base64'));
  const check = {
    leafIndex: receipt.index,
    treeSize: verdict.checkpoint.size,
    leafHash: leafHash(leaf),
    proof: receipt.inclusionProof.map(fromBase64),
    rootHash: verdict.checkpoint.rootHash,
  };
  expect(verifyInclusion(check)).toBe(true);
}

export async function errorOf(promise: Promise<unknown>): Promise<DidCityError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DidCityError);
  return error as DidCityError;
}

export function checkpointSize(note: string): number {
  return Number(note.split('\n')[1]);
}

/**
 * A real ledger node on loopback for the Veramo tests (@did-city/testing's running node: SQLite in a temp dir, three
 * embedded witnesses, the HTTP API), with the national registry (2-of-3 institutes) and Shijiazhuang anchored.
 */
import { createWorld, SJZ, testKey } from '@did-city/testing';
import { type RunningNode, startNode } from '@did-city/testing/node';

export { SJZ };

/** Shijiazhuang's update and `#key-1` key (the world's `sjz`). */
export const CITY_KEY = testKey('sjz');

export interface TestLedger extends RunningNode {
  /** The genesis pin of the registry. */
  genesis: Record<string, { operationHash: string }>;
}

/** The node with did:city:cn (genesis, 2 of 3 institutes, an empty document) and did:city:cn:130100. */
export async function startLedger(): Promise<TestLedger> {
  const world = await createWorld({ registryDocument: {} });
  const running = await startNode({ world });
  return { ...running, genesis: world.pin };
}

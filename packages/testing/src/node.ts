/**
 * A running ledger node for tests: a LedgerNode (SQLite in a fresh temporary directory, three embedded witnesses)
 * behind its HTTP API on 127.0.0.1 (an ephemeral port), optionally with a world already anchored. `stop()` closes
 * the server (keep-alive connections too) and the node and removes the directory; call it after the test.
 * Imports `@did-city/ledger`, so it is its own entry point (`@did-city/testing/node`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLedgerApp,
  type LedgerAppOptions,
  LedgerNode,
  type LedgerNodeConfig,
  SqliteLogStore,
} from '@did-city/ledger';
import {
  applyOperation,
  canonicalBytes,
  type DidHistory,
  type GenesisPolicy,
  isCityDid,
  type LogEntry,
  operationHash,
  parentDid,
} from '@did-city/method';
import type { World } from './world.ts';

export interface RunningNode {
  /** The API's base URL, with a final slash. */
  url: string;
  /** The HTTP server (a test may close it alone to take the API away while the node runs). */
  server: Server;
  node: LedgerNode;
  /** The node's data directory (removed by `stop()`). */
  dir: string;
  /** The node's trust policy (C2SP tlog-policy text). */
  policy: string;
  /** Stops the server and the node and removes the data directory; safe to call twice. */
  stop(): Promise<void>;
}

export interface NodeOptions {
  /** Anchored before the node is returned: its genesis as governance, then its other operations. */
  world?: World;
  /**
   * Entries written to the node's store before it opens, with their integration times, as a replay (each applied
   * with the resolvers' rules, parents from the entries before it), the way a node holds a log it admitted under
   * earlier rules; the node anchors them when it starts. For logs a node would not admit today, such as the shared
   * vectors' world log (creates of codes retired since, spec R-ALLOC-2).
   */
  log?: { entries: readonly LogEntry[]; genesis?: GenesisPolicy };
  /** More node configuration; default: any registry genesis accepted, 5 ms batches. */
  config?: Partial<LedgerNodeConfig>;
  app?: LedgerAppOptions;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`));
  });
}

export async function startNode(options: NodeOptions = {}): Promise<RunningNode> {
  const dir = mkdtempSync(join(tmpdir(), 'did-city-node-'));
  let node: LedgerNode;
  try {
    if (options.log !== undefined) await writeLog(join(dir, 'ledger.db'), options.log.entries, options.log.genesis);
    node = await LedgerNode.open({
      allowUnpinnedGenesis: true,
      dataDir: dir,
      sequencer: { batchIntervalMs: 5 },
      ...options.config,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const server = createServer(createLedgerApp(node, options.app));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await new Promise<void>((done) => {
      if (!server.listening) return done();
      server.close(() => done());
      server.closeAllConnections();
    });
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await listen(server);
    if (options.world !== undefined) {
      const [genesis, ...rest] = options.world.operations;
      await node.submitGovernance(genesis);
      for (const operation of rest) await node.submit(operation);
    }
    return { url, server, node, dir, policy: node.policyText, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Appends `entries` to a new SQLite log store at `file`, each with the DID state it leads to. */
async function writeLog(file: string, entries: readonly LogEntry[], genesis: GenesisPolicy | undefined): Promise<void> {
  const store = new SqliteLogStore({ file });
  try {
    const states = new Map<string, DidHistory>();
    for (const [index, entry] of entries.entries()) {
      const { operation, integratedTime } = entry;
      const parent = isCityDid(operation.did) ? parentDid(operation.did) : undefined;
      const context = {
        ...(parent !== undefined && states.has(parent) ? { parent: states.get(parent)! } : {}),
        ...(genesis ? { genesis } : {}),
      };
      const history = applyOperation(states.get(operation.did), { index, integratedTime, operation }, context);
      states.set(operation.did, history);
      const leaf = canonicalBytes({ integratedTime, operation });
      const appended = {
        leaf,
        operationHash: operationHash(operation),
        did: operation.did,
        seq: operation.seq,
        integratedTime,
      };
      await store.append({ expectedSize: index, entries: [appended], states: [history] });
    }
  } finally {
    await store.close();
  }
}

/**
 * `did-city ledger check` against a running node (spec §7.5, R-NODE-1): exit 0 with "ok" on an intact store; after
 * a `did_state` row is edited behind the node's back, exit 1 naming the DID, and the node refuses to sequence.
 */
import { join } from 'node:path';
import { createWorld } from '@did-city/testing';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startLedger, type TestLedger, tempDir } from './cli-fixtures.ts';

const ADMIN = 'admin-token-for-the-check';
let temp: ReturnType<typeof tempDir>;
let ledger: TestLedger;
let env: Record<string, string>;

beforeAll(async () => {
  temp = tempDir('did-city-cli-check-');
  ledger = await startLedger(join(temp.dir, 'ledger'), { adminToken: ADMIN });
  const { genesis } = await createWorld({ registryDocument: {}, cities: {} });
  await ledger.node.submitGovernance(genesis);
  env = { DID_CITY_LEDGER: ledger.url, DID_CITY_HOME: join(temp.dir, 'home'), DID_CITY_ADMIN_TOKEN: '' };
}, 60_000);

afterAll(async () => {
  await ledger?.stop();
  temp?.cleanup();
});

describe('did-city ledger check', { timeout: 120_000 }, () => {
  it('needs the admin token: usage error without one (2), refused with a wrong one (1)', async () => {
    const none = await cli(['ledger', 'check'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/admin token: --token T or DID_CITY_ADMIN_TOKEN/);
    const wrong = await cli(['ledger', 'check', '--token', 'not-it'], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/the integrity check needs Authorization/);
    expect(wrong.stderr).not.toContain(ADMIN);
  });

  it('an intact store: exit 0, status ok, the entries checked', async () => {
    const checked = await cli(['ledger', 'check'], { ...env, DID_CITY_ADMIN_TOKEN: ADMIN });
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/^status\s+ok$/m);
    expect(checked.stdout).toMatch(/^checked\s+1 entries at \S+: no problems$/m);
  });

  it('an edited did_state row: exit 1 naming the DID; the node then refuses to sequence', async () => {
    const db = new Database(join(temp.dir, 'ledger', 'ledger.db'));
    db.prepare(
      "UPDATE did_state SET history = json_set(history, '$.keyState.threshold', 1) WHERE did = 'did:city:cn'",
    ).run();
    db.close();
    const checked = await cli(['ledger', 'check', '--token', ADMIN, '--json'], env);
    expect(checked.code).toBe(1);
    const report = checked.json<{
      status: string;
      integrity: { ok: boolean; problems: Array<{ kind: string; did: string }> };
    }>();
    expect(report.status).toBe('degraded');
    expect(report.integrity.problems).toEqual([expect.objectContaining({ kind: 'derived-state', did: 'did:city:cn' })]);
    expect(ledger.node.sequencer?.refusal?.detail).toMatch(/store fails the integrity check/);
  });
});

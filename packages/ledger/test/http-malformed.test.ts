// Requests whose shape, not content, is wrong: malformed percent-encoding in a path and a body nested thousands of
// levels deep get a 400 problem with a fixed sentence, never internal text (URIError, "call stack"); and the
// databases of a data directory created beforehand with mode 0755 are still 0600.
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type LedgerServer, problemCode, startLedger } from './http-fixtures.ts';
import { type RegistrationServer, startRegistrationServer } from './registration-fixtures.ts';

let ledger: LedgerServer;
let desk: RegistrationServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'did-city-malformed-'));
  const open = join(dir, 'open');
  mkdirSync(open, { mode: 0o755 });
  ledger = await startLedger({}, open);
  desk = await startRegistrationServer(join(dir, 'desk'));
});

afterAll(async () => {
  await ledger?.stop();
  await desk?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('malformed percent-encoding', () => {
  it.each(['operations/%ZZ', 'dids/%E0%A4%A/history'])('GET /%s → 400 MALFORMED_REQUEST', async (path) => {
    const answer = await call(`${ledger.url}${path}`);
    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('MALFORMED_REQUEST');
    expect(answer.text).not.toMatch(/URIError|decode/i);
  });

  it('GET /registrations/%ZZ → 400 MALFORMED_REQUEST', async () => {
    const answer = await call(`${desk.url}registrations/%ZZ`);
    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('MALFORMED_REQUEST');
  });
});

/** The body as text: the test's own JSON.stringify would overflow on it too. */
function postRaw(url: string, body: string) {
  return call(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer x' },
    body,
  });
}

describe('bodies nested too deeply', () => {
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  it.each(['operations', 'governance/operations'])(
    'POST /%s → 400 "nested too deeply", no internal text',
    async (path) => {
      const answer = await postRaw(`${ledger.url}${path}`, deep);
      expect([400, 401]).toContain(answer.status);
      if (answer.status === 400) {
        expect(answer.text).toContain('nested too deeply');
        expect(answer.text).not.toMatch(/call stack/i);
      }
    },
  );

  it('POST /registrations → 400 "nested too deeply"', async () => {
    const answer = await postRaw(`${desk.url}registrations`, `{"operation":${deep},"contact":{}}`);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('nested too deeply');
    expect(answer.text).not.toMatch(/call stack/i);
  });
});

describe('file modes', () => {
  it('ledger.db is 0600 in a data directory created 0755', () => {
    expect(statSync(join(dir, 'open', 'ledger.db')).mode & 0o777).toBe(0o600);
  });
});

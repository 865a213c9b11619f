// The job store on a real SQLite file: jobs survive reopening, expire, are bounded, and change phase once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistrarError } from '../src/errors.ts';
import { type Job, type JobData, JobStore } from '../src/jobs.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'did-city-jobs-'));
  dirs.push(dir);
  return join(dir, 'jobs.db');
}

const data: JobData = {
  unsigned: { type: 'deactivate', did: 'did:city:cn:130200', seq: 1, prev: 'zQm' },
  created: '2026-12-03T08:00:00Z',
  requestKeys: { signingRequest0: 'z6Mk' },
  route: 'ledger',
  description: 'Sign.',
};
const job = (expiresAt: number): Omit<Job, 'id'> => ({
  operation: 'deactivate',
  did: 'did:city:cn:130200',
  phase: 'sign',
  expiresAt,
  data,
});

describe('JobStore', () => {
  it('keeps jobs across a reopen of the file, with unguessable ids', () => {
    const path = file();
    const first = new JobStore({ file: path, now: () => 1000 });
    const id = first.insert(job(5000));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    first.close();
    const second = new JobStore({ file: path, now: () => 2000 });
    expect(second.get(id)).toEqual({ id, ...job(5000) });
    second.close();
  });

  it('forgets a job once it expires', () => {
    let now = 1000;
    const store = new JobStore({ file: file(), now: () => now });
    const id = store.insert(job(5000));
    now = 4999;
    expect(store.get(id)?.id).toBe(id);
    now = 5000;
    expect(store.get(id)).toBeUndefined();
    expect(store.purgeExpired()).toBe(1);
    expect(store.size()).toBe(0);
    store.close();
  });

  it('holds at most maxJobs unexpired jobs, making room from expired ones first', () => {
    let now = 1000;
    const store = new JobStore({ file: file(), maxJobs: 2, now: () => now });
    store.insert(job(2000));
    store.insert(job(9000));
    let refused: unknown;
    try {
      store.insert(job(9000));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RegistrarError);
    expect((refused as RegistrarError).code).toBe('JOB_LIMIT');
    now = 2000;
    expect(() => store.insert(job(9000))).not.toThrow();
    expect(store.size()).toBe(2);
    store.close();
  });

  it('moves a job out of a phase once: a second request with the same signatures finds it moved', () => {
    const store = new JobStore({ file: file(), now: () => 1000 });
    const id = store.insert(job(5000));
    const stored = store.get(id)!;
    const next = { phase: 'submit' as const, expiresAt: 9000, data: { ...data, registrationId: 'zQmX' } };
    expect(store.advance(stored, 'sign', next)).toBe(true);
    expect(store.advance(stored, 'sign', next)).toBe(false);
    expect(store.get(id)).toMatchObject({ phase: 'submit', expiresAt: 9000, data: { registrationId: 'zQmX' } });
    store.close();
  });
});

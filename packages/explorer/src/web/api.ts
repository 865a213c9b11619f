/**
 * The node's HTTP API as the explorer uses it. Everything is fetched from the node that served the page (same
 * origin); nothing here is trusted until verify.ts or ledger-index.ts has checked it.
 */
import type { ServedEntry, ServedHistory } from './verify.ts';

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, detail: string) {
    super(detail);
    this.status = status;
  }
}

async function answer(response: Response): Promise<Response> {
  if (response.ok) return response;
  let detail = `${response.status} ${response.statusText}`;
  try {
    const problem = (await response.json()) as { detail?: unknown; title?: unknown };
    detail = String(problem.detail ?? problem.title ?? detail);
  } catch {}
  throw new ApiError(response.status, detail);
}

export async function getText(path: string): Promise<string> {
  return (await answer(await fetch(path, { cache: 'no-store' }))).text();
}

export async function getJson<T>(path: string, token?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;
  return (await answer(await fetch(path, { headers, cache: 'no-store' }))).json() as Promise<T>;
}

export async function postJson<T>(path: string, body: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;
  return (
    await answer(await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) }))
  ).json() as Promise<T>;
}

export async function getBytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await answer(await fetch(path, { cache: 'no-store' }))).arrayBuffer());
}

interface HistoryPage extends ServedHistory {
  next?: { after: number; size: number };
}

/** A DID's whole served history: every page, each against the first page's tree size. */
export async function fetchHistory(did: string): Promise<ServedHistory> {
  const path = `/dids/${encodeURIComponent(did)}/history`;
  const first = await getJson<HistoryPage>(path);
  const entries: ServedEntry[] = [...first.entries];
  for (let page = first; page.next !== undefined; ) {
    page = await getJson<HistoryPage>(`${path}?after=${page.next.after}&size=${page.next.size}`);
    if (page.checkpoint !== first.checkpoint) throw new ApiError(0, 'a history page came with another checkpoint');
    entries.push(...page.entries);
  }
  return { ...first, entries };
}

const POLICY_KEY = 'did-city-explorer/trust-policy';

/**
 * The trust policy the page verifies against: the one pinned in this browser, else the node's `GET /policy`, pinned
 * on first use. A node that later serves another policy does not change what this browser trusts.
 */
export async function trustPolicy(): Promise<{ text: string; pinned: boolean; served: string }> {
  const served = await getText('/policy');
  const pinned = localStorage.getItem(POLICY_KEY);
  if (pinned === null) {
    localStorage.setItem(POLICY_KEY, served);
    return { text: served, pinned: false, served };
  }
  return { text: pinned, pinned: true, served };
}

export function pinPolicy(text: string): void {
  localStorage.setItem(POLICY_KEY, text);
}

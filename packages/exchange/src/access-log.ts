/**
 * The provider's access log (spec R-XCH-7): one JSON line per decision on a data request, allowed or denied, with
 * the reason code, the consumer (as verified, or as claimed by an unverified keyid), the dataset and release, and
 * the time. Appended synchronously before the answer leaves, so a served payload is never missing from the log.
 * The file is the export: `GET …/access-log` streams it to the provider's operator, and any JSON-lines tool reads it.
 */
import { appendFileSync, createReadStream, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

export interface AccessDecision {
  time: string;
  decision: 'allowed' | 'denied';
  /** `GRANTED`, or the error code of the refusal. */
  reason: string;
  /** The consumer DID once its signature verified. */
  consumer?: string;
  /** The keyid an unverified request claimed (never trusted, kept for the operator). */
  claimedKeyid?: string;
  dataset?: string;
  release?: string;
  grant?: string;
  method: string;
  path: string;
}

const MAX_FIELD = 512;
const clip = (value: string | undefined): string | undefined => value?.slice(0, MAX_FIELD);

export class AccessLog {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
    mkdirSync(dirname(file), { recursive: true });
  }

  record(entry: Omit<AccessDecision, 'time'>, now = new Date()): AccessDecision {
    const line: AccessDecision = { time: now.toISOString(), ...entry };
    for (const key of ['claimedKeyid', 'dataset', 'release', 'grant'] as const) {
      if (line[key] !== undefined) line[key] = clip(line[key]);
    }
    line.path = line.path.slice(0, MAX_FIELD);
    appendFileSync(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    return line;
  }

  /** The log as JSON lines (empty before the first decision). */
  stream(): Readable | undefined {
    return existsSync(this.file) ? createReadStream(this.file) : undefined;
  }
}

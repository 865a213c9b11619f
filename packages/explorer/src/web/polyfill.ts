/**
 * The method library uses Node's Buffer for base64 and byte comparisons; in the browser it is the `buffer`
 * package's (the same API), taught the one encoding it lacks and the library uses, `base64url` (its base64 decoder
 * already reads the URL-safe alphabet). Imported first by main.tsx, before any library module runs.
 */
import { Buffer } from 'buffer';

type Encoding = Parameters<Buffer['toString']>[0];

const encode = Buffer.prototype.toString;
Buffer.prototype.toString = function (this: Buffer, encoding?: string, start?: number, end?: number): string {
  if (encoding !== 'base64url') return encode.call(this, encoding as Encoding, start, end);
  return encode.call(this, 'base64', start, end).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const from = Buffer.from as (value: unknown, encodingOrOffset?: unknown, length?: number) => Buffer;
Buffer.from = ((value: unknown, encodingOrOffset?: unknown, length?: number): Buffer =>
  from(value, encodingOrOffset === 'base64url' ? 'base64' : encodingOrOffset, length)) as typeof Buffer.from;

const isEncoding = Buffer.isEncoding;
Buffer.isEncoding = ((encoding: string) =>
  encoding === 'base64url' || isEncoding(encoding)) as typeof Buffer.isEncoding;

(globalThis as { Buffer?: unknown }).Buffer ??= Buffer;

/**
 * JSON Canonicalization Scheme (RFC 8785), in one pass that also rejects what JCS cannot represent.
 *
 * Written here rather than taken from json-canonicalize: the installed json-canonicalize 2.0.1 ships only its
 * TypeScript sources (its `main`/`module` bundles are missing), and that library quietly turns `undefined` in arrays
 * into `null`, serialises `toJSON` objects (Date) and class instances as plain objects and lets lone surrogates
 * through; each would sign bytes no other JCS implementation reproduces. RFC 8785 §3.2.2 defines its primitive
 * serialisation as ECMAScript's JSON.stringify and §3.2.3 its member order as UTF-16 code units (the default
 * string sort), so the serialiser is small.
 *
 * Most values hashed here (operations parsed from JCS text, documents built from them) already have their members
 * in code-unit order; for those JSON.stringify, native and several times faster, writes the canonical form. A
 * check that allocates nothing but key lists decides when it may; anything else (unsorted members, values outside
 * JCS, cycles, great depth) goes through the serialiser below, which also names the path of a bad value.
 */

/** An unpaired UTF-16 surrogate: not a Unicode scalar value, so not I-JSON (RFC 7493 §2.1) and not JCS input. */
const LONE_SURROGATE = /\p{Cs}/u;

function serializeString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) throw new RangeError(`${path}: string contains a lone surrogate`);
  return JSON.stringify(value);
}

function serializeNumber(value: number, path: string): string {
  if (!Number.isFinite(value)) throw new RangeError(`${path}: ${value} is not a JSON number`);
  // ECMAScript Number::toString, as RFC 8785 §3.2.2.3 requires; -0 serialises as 0.
  return JSON.stringify(value);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function serializeArray(value: unknown[], path: string, seen: Set<object>): string {
  const parts: string[] = [];
  for (let index = 0; index < value.length; index++) {
    const element = value[index];
    if (element === undefined) throw new TypeError(`${path}[${index}]: undefined is not a JSON value`);
    parts.push(serializeValue(element, `${path}[${index}]`, seen));
  }
  return `[${parts.join(',')}]`;
}

function serializeObject(value: Record<string, unknown>, path: string, seen: Set<object>): string {
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = value[key];
    // An undefined member is absent, as in JSON.stringify: optional members need not be deleted before signing.
    if (member === undefined) continue;
    parts.push(`${serializeString(key, path)}:${serializeValue(member, `${path}.${key}`, seen)}`);
  }
  return `{${parts.join(',')}}`;
}

function serializeComposite(value: object, path: string, seen: Set<object>): string {
  if (seen.has(value)) throw new TypeError(`${path}: circular reference`);
  seen.add(value);
  let text: string;
  if (Array.isArray(value)) text = serializeArray(value, path, seen);
  else if (isPlainObject(value)) text = serializeObject(value as Record<string, unknown>, path, seen);
  else throw new TypeError(`${path}: a ${value.constructor?.name ?? 'non-plain'} object is not a JSON value`);
  seen.delete(value);
  return text;
}

function serializeValue(value: unknown, path: string, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path);
    case 'number':
      return serializeNumber(value, path);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : serializeComposite(value, path, seen);
    default:
      throw new TypeError(`${path}: a ${typeof value} is not a JSON value`);
  }
}

/** Nesting past which the fast check gives up (the serialiser then also finds cycles). */
const FAST_DEPTH = 64;

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/**
 * True when JSON.stringify(value) is exactly what serializeValue returns, or would be but for lone surrogates, which
 * JSON.stringify escapes (`\udxxx`) and JCS rejects: canonicalize looks for those in the output.
 */
function stringifiesCanonically(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (value === null) return true;
      if (depth === FAST_DEPTH || hasToJson(value)) return false;
      if (Array.isArray(value)) return elementsStringifyCanonically(value, depth + 1);
      return isPlainObject(value) && membersStringifyCanonically(value as Record<string, unknown>, depth + 1);
    default:
      return false;
  }
}

function elementsStringifyCanonically(value: unknown[], depth: number): boolean {
  for (let index = 0; index < value.length; index++) {
    const element = value[index];
    // JSON.stringify writes an undefined element as null; JCS rejects it.
    if (element === undefined || !stringifiesCanonically(element, depth)) return false;
  }
  return true;
}

function membersStringifyCanonically(value: Record<string, unknown>, depth: number): boolean {
  const keys = Object.keys(value);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    // JSON.stringify keeps Object.keys order: canonical only when that is already code-unit order.
    if (index > 0 && !(keys[index - 1]! < key)) return false;
    const member = value[key];
    if (member !== undefined && !stringifiesCanonically(member, depth)) return false;
  }
  return true;
}

/**
 * The RFC 8785 canonical form of a JSON value. Throws TypeError for values outside the JSON data model
 * (undefined at the top or in an array, functions, bigint, symbols, class instances such as Date, cycles) and
 * RangeError for NaN, ±Infinity and strings with lone surrogates. Object members whose value is undefined are
 * omitted, as JSON.stringify omits them.
 */
export function canonicalize(value: unknown): string {
  if (stringifiesCanonically(value, 0)) {
    const text = JSON.stringify(value);
    // JSON.stringify writes a lone surrogate as the escape \udxxx, and nothing else as \ud but an escaped backslash
    // before "ud"; either way the serialiser decides (and names the path of a lone surrogate).
    if (!text.includes('\\ud')) return text;
  }
  return serializeValue(value, '$', new Set());
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `canonicalize(value)`: what is hashed and signed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}

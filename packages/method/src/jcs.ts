/**
 * JSON Canonicalization Scheme (RFC 8785), in one pass that also rejects what JCS cannot represent.
 *
 * Written here rather than taken from json-canonicalize: the installed json-canonicalize 2.0.1 ships only its
 * TypeScript sources (its `main`/`module` bundles are missing), and that library quietly turns `undefined` in arrays
 * into `null`, serialises `toJSON` objects (Date) and class instances as plain objects and lets lone surrogates
 * through; each would sign bytes no other JCS implementation reproduces. RFC 8785 §3.2.2 defines its primitive
 * serialisation as ECMAScript's JSON.stringify and §3.2.3 its member order as UTF-16 code units (the default
 * string sort), so the serialiser is small.
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

/**
 * The RFC 8785 canonical form of a JSON value. Throws TypeError for values outside the JSON data model
 * (undefined at the top or in an array, functions, bigint, symbols, class instances such as Date, cycles) and
 * RangeError for NaN, ±Infinity and strings with lone surrogates. Object members whose value is undefined are
 * omitted, as JSON.stringify omits them.
 */
export function canonicalize(value: unknown): string {
  return serializeValue(value, '$', new Set());
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `canonicalize(value)`: what is hashed and signed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}

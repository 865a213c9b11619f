/**
 * Copying and comparing plain JSON data on hot paths. structuredClone costs 5–20 µs for a DID document or a log
 * entry, a recursive copy of plain data well under one; equality against a trusted parsed value replaces
 * re-canonicalising and re-hashing an operation to see whether it changed. Internal, not exported from the package.
 */

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Thrown inside copyTree when a value is not tree-shaped plain data; copyJson then uses structuredClone. */
const NOT_PLAIN = new Error('not plain JSON data');

/**
 * Copies primitives, arrays without holes (their elements only, as JSON has them) and plain objects; throws
 * NOT_PLAIN for anything else and past a depth that only cycles reach. The copy of an object is ordinary whatever the original's (null)
 * prototype, as structuredClone makes it.
 */
function copyTree(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') throw NOT_PLAIN;
    return value;
  }
  if (depth > 64) throw NOT_PLAIN;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw NOT_PLAIN;
    const copy = new Array(value.length);
    for (let index = 0; index < value.length; index++) {
      if (!(index in value)) throw NOT_PLAIN;
      copy[index] = copyTree(value[index], depth + 1);
    }
    return copy;
  }
  if (!isPlainObject(value)) throw NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // Assigning "__proto__" would set the copy's prototype; structuredClone defines it as a member.
    if (key === '__proto__') throw NOT_PLAIN;
    copy[key] = copyTree((value as Record<string, unknown>)[key], depth + 1);
  }
  return copy;
}

/**
 * A deep copy of JSON-shaped data, as structuredClone makes it: what JSON.parse returns (plus undefined members) is
 * copied directly, member order kept; class instances, holes and cycles go to structuredClone itself. For trees
 * only: an object reached twice is copied twice (structuredClone would keep it shared), and members other than
 * elements on an array are dropped (JSON has none). Every caller passes data parsed from JSON or built from it.
 */
export function copyJson<T>(value: T): T {
  try {
    return copyTree(value, 0) as T;
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
    return structuredClone(value);
  }
}

/**
 * True only when `value` has the same canonical JSON (RFC 8785) as `trusted`, a value parsed from JSON text: the
 * same primitives (0 and -0 alike, as JCS writes them), arrays element by element, plain objects member by member
 * (undefined members of `value` are absent, as in JCS). False means "not shown equal": anything outside plain JSON
 * data in `value` is never equal, so a caller falls back to canonicalising it.
 */
export function equalsParsedJson(value: unknown, trusted: unknown): boolean {
  if (typeof trusted !== 'object' || trusted === null) return value === trusted;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(trusted)) {
    if (!Array.isArray(value) || value.length !== trusted.length) return false;
    for (let index = 0; index < trusted.length; index++) {
      if (!equalsParsedJson(value[index], trusted[index])) return false;
    }
    return true;
  }
  if (Array.isArray(value) || !isPlainObject(value)) return false;
  const record = value as Record<string, unknown>;
  const expected = trusted as Record<string, unknown>;
  let members = 0;
  for (const key of Object.keys(record)) {
    if (record[key] === undefined) continue;
    if (!Object.hasOwn(expected, key) || !equalsParsedJson(record[key], expected[key])) return false;
    members++;
  }
  return members === Object.keys(expected).length;
}

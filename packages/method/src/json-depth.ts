/**
 * A cap on how deeply a parsed JSON request may nest. JSON.parse accepts any depth, but everything after it
 * (validation, canonicalisation, schema checks) recurses, and a 20,000-deep array would end in a stack overflow
 * whose message is internal text. Servers check bodies with this right after parsing; it walks with its own stack.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` has objects or arrays nested more than `max` levels deep (a top-level object is level 1). */
export function jsonTooDeep(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [current, level] = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (level > max) return true;
    for (const child of Object.values(current)) {
      if (typeof child === 'object' && child !== null) pending.push([child, level + 1]);
    }
  }
  return false;
}

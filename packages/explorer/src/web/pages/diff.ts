/**
 * What changed between two versions of a DID document, in short lines: members added, removed or changed, and for
 * the id-keyed lists (verification methods, services) which ids came and went; plus update-key changes.
 */
type Doc = Record<string, unknown>;

function ids(value: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (Array.isArray(value))
    for (const item of value)
      map.set(String((item as { id?: unknown })?.id ?? JSON.stringify(item)), JSON.stringify(item));
  return map;
}

function listChanges(name: string, before: unknown, after: unknown): string[] {
  const [a, b] = [ids(before), ids(after)];
  const lines: string[] = [];
  for (const [id, text] of b) {
    if (!a.has(id)) lines.push(`+ ${name} ${id}`);
    else if (a.get(id) !== text) lines.push(`~ ${name} ${id}`);
  }
  for (const id of a.keys()) if (!b.has(id)) lines.push(`− ${name} ${id}`);
  return lines;
}

export function diffDocuments(
  before: object | undefined,
  after: object,
  keysBefore: readonly string[] | undefined,
  keysAfter: readonly string[],
): string[] {
  if (before === undefined) return ['+ created'];
  const [a, b] = [before as Doc, after as Doc];
  const lines: string[] = [];
  for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (name === 'verificationMethod' || name === 'service') {
      lines.push(...listChanges(name, a[name], b[name]));
    } else if (!(name in a)) lines.push(`+ ${name}`);
    else if (!(name in b)) lines.push(`− ${name}`);
    else if (JSON.stringify(a[name]) !== JSON.stringify(b[name])) lines.push(`~ ${name}`);
  }
  for (const key of keysAfter) if (!keysBefore?.includes(key)) lines.push(`+ updateKey ${key}`);
  for (const key of keysBefore ?? []) if (!keysAfter.includes(key)) lines.push(`− updateKey ${key}`);
  return lines.length === 0 ? ['(no change to the document)'] : lines;
}

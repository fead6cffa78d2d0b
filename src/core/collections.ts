/** Small helpers for collections and plain objects, shared by the core, the protocol and the extension. */

/**
 * Items by key: each group in the items' order, the groups in the order their keys first appear. Appends in
 * place (a group of n items costs n pushes, not n copies of the group so far).
 */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Whether `v` is a plain object (not null, not an array): what a JSON object parses to. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Deterministic ordering. Output must be byte-identical for the same input, so nothing here depends
// on the locale (no localeCompare) or on insertion order of the input.

/** Compares by UTF-16 code units: the same order on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sorted copy, by a string key. Stable, so equal keys keep their input order. */
export function sortedBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((x, y) => compareStrings(key(x), key(y)));
}

/** Sorts resources by their name (Envoy resource names are what proxies and diffs are keyed on). */
export function byName<T extends { readonly name?: string | null }>(items: readonly T[]): T[] {
  return sortedBy(items, (item) => item.name ?? '');
}

const namespaceName = (item: { readonly namespace: string; readonly name: string }): string =>
  `${item.namespace}\u0000${item.name}`;

/**
 * Namespace, then name: the order in which "first one wins" rules are applied. Returns the input
 * itself when it is already in order (the sources sort), so caches keyed on it keep working.
 */
export function byNamespaceName<T extends { readonly namespace: string; readonly name: string }>(
  items: readonly T[],
): readonly T[] {
  for (let i = 1; i < items.length; i++) {
    if (compareStrings(namespaceName(items[i - 1]!), namespaceName(items[i]!)) > 0) {
      return sortedBy(items, namespaceName);
    }
  }
  return items;
}
